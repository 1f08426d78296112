import { isISO8601, ValidateBy, type ValidationOptions } from 'class-validator';

/** The span of years a time can have: PostgreSQL, SQLite and toISOString all agree inside it. */
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;

/**
 * A calendar date-time a query can use: ISO-8601 as `YYYY-MM-DD[THH:MM[:SS[.fff]][Z|±HH:MM]]`, a
 * real date, years 0001–9999. ISO-8601 also has week (`2026-W49-4`) and ordinal (`2026-337`)
 * dates, which class-validator's IsISO8601 lets through and Date cannot read: they became an
 * Invalid Date and a 500 further on. Year 0 and years past 9999 are refused by the stores.
 */
export function parseQueryDateTime(value: unknown): Date | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(?:[T ]|$)/.test(value) || !isISO8601(value, { strict: true })) return null;
  const time = Date.parse(value);
  if (!Number.isFinite(time)) return null;
  const year = new Date(time).getUTCFullYear();
  return year >= FIRST_YEAR && year <= LAST_YEAR ? new Date(time) : null;
}

export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateTime',
      validator: {
        validate: (value: unknown) => parseQueryDateTime(value) !== null,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an ISO-8601 calendar date-time (YYYY-MM-DDTHH:MM:SSZ) between years 0001 and 9999`,
      },
    },
    options,
  );
}
