import { type Dialect, timeValue } from './dialect.js';

/**
 * How a statement binds values. Two spellings: `SqlBuilder` collects positional parameters in
 * the dialect's style ($n / ?), for hand-built statements; `NamedParams` collects `:name`
 * parameters that `SqlRunner` (TypeORM's driver) turns into either. Shared pieces such as the
 * event-filter compiler take either.
 */
export interface SqlBinder {
  readonly dialect: Dialect;
  /** A placeholder bound to `value`. */
  p(value: unknown): string;
  /** A time bound as the dialect compares it. */
  time(value: Date): string;
  /** `(a, b, …)` of the values, for `column IN …`. */
  in(values: readonly unknown[]): string;
}

/**
 * Collects parameters for one statement in the dialect's placeholder style and spells the few
 * expressions that differ between PostgreSQL and SQLite. Placeholders appear in the text in the
 * order they were bound (SQLite binds `?` by position).
 */
export class SqlBuilder implements SqlBinder {
  readonly params: unknown[] = [];

  constructor(readonly dialect: Dialect) {}

  p(value: unknown): string {
    this.params.push(value);
    return this.dialect === 'postgres' ? `$${this.params.length}` : '?';
  }

  time(value: Date): string {
    return this.p(timeValue(this.dialect, value));
  }

  in(values: readonly unknown[]): string {
    return `(${values.map((value) => this.p(value)).join(', ')})`;
  }

  /** A list of strings usable as `column IN (…)` with one parameter, whatever its length. */
  list(values: readonly string[]): string {
    if (this.dialect === 'postgres') return `(SELECT unnest(${this.p(values)}::text[]))`;
    return `(SELECT value FROM json_each(${this.p(JSON.stringify(values))}))`;
  }

  /** Milliseconds since the epoch of a timestamp column. */
  epochMs(column: string): string {
    return epochMs(this.dialect, column);
  }

  /**
   * Index of the bucket of `column`, counting back from `to`: bucket k covers
   * [to - (k+1)·size, to - k·size), so 0 is the bucket that ends at `to`.
   */
  bucketBack(column: string, to: Date, bucketMs: number): string {
    const end = this.p(to.getTime() - 1);
    const size = this.p(bucketMs);
    return this.dialect === 'postgres'
      ? `floor((${end}::float8 - ${this.epochMs(column)}) / ${size}::float8)::int`
      : `CAST((${end} - ${this.epochMs(column)}) / ${size} AS INTEGER)`;
  }

  /** A text field of a JSON column. */
  jsonText(column: string, field: string): string {
    return jsonText(this.dialect, column, field);
  }
}

/** `:name` parameters for `SqlRunner`; names start with `prefix` so that they cannot meet the caller's own. */
export class NamedParams implements SqlBinder {
  readonly params: Record<string, unknown> = {};
  private next = 0;

  constructor(
    readonly dialect: Dialect,
    private readonly prefix = 'f',
  ) {}

  p(value: unknown): string {
    const name = `${this.prefix}${this.next++}`;
    this.params[name] = value;
    return `:${name}`;
  }

  time(value: Date): string {
    return this.p(value); // the driver writes a Date as the dialect stores it
  }

  in(values: readonly unknown[]): string {
    const name = `${this.prefix}${this.next++}`;
    this.params[name] = values;
    return `(:...${name})`;
  }
}

/** Milliseconds since the epoch of a timestamp column. */
export function epochMs(dialect: Dialect, column: string): string {
  return dialect === 'postgres'
    ? `(date_part('epoch', ${column}) * 1000)` // double precision; extract() would be numeric, several times slower
    : `((julianday(${column}) - 2440587.5) * 86400000.0)`;
}

/** A text field of a JSON column. */
export function jsonText(dialect: Dialect, column: string, field: string): string {
  if (!/^[a-z_]+$/.test(field)) throw new Error(`unsafe JSON field ${field}`);
  return dialect === 'postgres'
    ? `(${column}->>'${field}')`
    : `json_extract(${column}, '$.${field}')`;
}

/** The start of the minute of a time column, as the column's own type. */
export function minuteOf(dialect: Dialect, column: string): string {
  return dialect === 'postgres'
    ? `date_trunc('minute', ${column})`
    : `strftime('%Y-%m-%d %H:%M:00.000', ${column})`;
}

/** Whole minutes since the epoch of a time column, as an integer. */
export function minuteIndex(dialect: Dialect, column: string): string {
  return dialect === 'postgres'
    ? `floor(date_part('epoch', ${column}) / 60)::bigint`
    : `(CAST(strftime('%s', ${column}) AS INTEGER) / 60)`;
}

/** An id column as text (PostgreSQL keeps uuid). */
export function idText(dialect: Dialect, column = 'id'): string {
  return dialect === 'postgres' ? `${column}::text` : column;
}

/** `string_agg` / `group_concat` of distinct values. */
export function distinctList(dialect: Dialect, expression: string): string {
  return dialect === 'postgres'
    ? `string_agg(DISTINCT ${expression}, ',')`
    : `group_concat(DISTINCT ${expression})`;
}

/**
 * The text of `expression` on a group's first row by `time`, then `id` (an aggregate; '' for
 * NULL): min() of the time as fixed-width text, the id, a separator and the text. The database
 * can hash-group it, where an ordered aggregate (array_agg(… ORDER BY …)) sorts every row of
 * its input: the flow history's ids from the chain minutes took 340 ms that way, 220 ms this
 * way (300k events without markers, 33k history chains; 110 ms before there were kinds).
 */
export function firstOf(dialect: Dialect, expression: string, time: string, id: string): string {
  // PostgreSQL: microseconds since the epoch (exact in a double until 2255), compared bytewise;
  // SQLite stores times as fixed-width text already
  const tagged =
    dialect === 'postgres'
      ? `(lpad((date_part('epoch', ${time}) * 1000000)::bigint::text, 17, '0') || ${id}::text || chr(1) || coalesce(${expression}, '')) COLLATE "C"`
      : `${time} || ${id} || char(1) || coalesce(${expression}, '')`;
  const position = dialect === 'postgres' ? 'strpos' : 'instr';
  const separator = dialect === 'postgres' ? 'chr(1)' : 'char(1)';
  return `substr(min(${tagged}), ${position}(min(${tagged}), ${separator}) + 1)`;
}

/** `value` with LIKE's wildcards and the escape character escaped (use with ESCAPE '\\'). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}
