/**
 * A bounded map that forgets its oldest entries. QoS 1 is at-least-once and requesters re-send with
 * the same id, so receivers remember recent ids to answer a duplicate instead of working twice.
 */
export class DedupeCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity = 10_000) {}

  get(id: string): V | undefined {
    return this.entries.get(id);
  }

  set(id: string, value: V): void {
    this.entries.delete(id);
    this.entries.set(id, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }
}
