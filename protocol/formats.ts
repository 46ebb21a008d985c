import { FormatRegistry } from '@sinclair/typebox';

// TypeBox rejects values with unknown string formats, so the formats our schemas use are
// registered once, here, before any schema is compiled.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}
