/** The part of qlobber 8 (no bundled typings) that protocol/topic-filter.ts uses. */
declare module 'qlobber' {
  export interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
    max_words?: number;
    max_wildcard_somes?: number;
  }
  /** A matcher that only records whether a topic matches any added filter. */
  export class QlobberTrue {
    constructor(options?: QlobberOptions);
    add(topic: string): this;
    remove(topic: string): this;
    /** True when `topic` matches an added filter; throws when it has more than max_words levels. */
    test(topic: string): boolean;
    clear(): this;
  }
}
