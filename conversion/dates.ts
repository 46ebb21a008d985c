/**
 * PDF dates (`D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional) and loose date strings
 * to ISO 8601; undefined when the input is not a date, because a wrong date is worse than none.
 */
export function toIsoDate(input: unknown): string | undefined {
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? undefined : input.toISOString();
  if (typeof input !== 'string') return undefined;
  const s = input.trim();
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*([Zz+-])?\s*(\d{2})?'?(\d{2})?'?$/.exec(s);
  if (m) {
    const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz, th = '00', tm = '00'] = m;
    const month = Number(mo);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) return undefined;
    const offset = tz === '+' || tz === '-' ? `${tz}${th}:${tm}` : 'Z';
    const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}${offset}`);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const date = new Date(s);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  return undefined;
}
