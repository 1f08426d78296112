import { errorEventSql } from '../../common/debug-event.js';
import { escapeLike, type SqlBinder } from './statement.js';

/** A component type, or one component of it (`component_id` null or absent: every instance). */
export interface ComponentSelector {
  component_type: string;
  component_id?: string | null;
}

/**
 * Which debug_events rows a reader wants. Every field narrows (AND); a list matches any of its
 * values. The one shape every reader of debug_events filters with: the events list, query,
 * sessions, patterns and insights.
 */
export interface EventFilter {
  /** Inclusive lower bound of the event time. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** Inclusive upper bound (the REST lists' `to`). */
  until?: Date;
  /** Any of these components. */
  components?: readonly ComponentSelector[];
  /** Names that match a component type or a component id. */
  componentNames?: readonly string[];
  /** The component type and id fields one by one (either may stand alone). */
  componentType?: string;
  componentId?: string;
  eventTypes?: readonly string[];
  levels?: readonly string[];
  operations?: readonly string[];
  correlationIds?: readonly string[];
  sessionId?: string;
  /** Events stored with any of these pattern ids. */
  patternIds?: readonly string[];
  /** Only events the miner labelled. */
  withPattern?: boolean;
  /** Only errors, as `isErrorEvent` defines them. */
  errorsOnly?: boolean;
  /** Case-insensitive substring of the message. */
  text?: string;
}

/**
 * The WHERE terms of `filter` over a debug_events row under `alias` (`e.`), each bound through
 * `sql`, in text order. Joined with AND; empty when the filter is.
 */
export function eventConditions(filter: EventFilter, sql: SqlBinder, alias = 'e.'): string[] {
  const terms: string[] = [];
  if (filter.from) terms.push(`${alias}"timestamp" >= ${sql.time(filter.from)}`);
  if (filter.to) terms.push(`${alias}"timestamp" < ${sql.time(filter.to)}`);
  if (filter.until) terms.push(`${alias}"timestamp" <= ${sql.time(filter.until)}`);
  const components = componentAlternatives(filter, sql, alias);
  if (components) terms.push(components);
  if (filter.componentType !== undefined)
    terms.push(`${alias}component_type = ${sql.p(filter.componentType)}`);
  if (filter.componentId !== undefined)
    terms.push(`${alias}component_id = ${sql.p(filter.componentId)}`);
  const lists = [
    ['correlation_id', filter.correlationIds],
    ['level', filter.levels],
    ['event_type', filter.eventTypes],
    ['operation', filter.operations],
    ['pattern_id', filter.patternIds],
  ] as const;
  for (const [column, values] of lists) {
    if (values && values.length > 0) terms.push(`${alias}${column} IN ${sql.in(values)}`);
  }
  if (filter.sessionId !== undefined) terms.push(`${alias}session_id = ${sql.p(filter.sessionId)}`);
  if (filter.withPattern) terms.push(`${alias}pattern_id IS NOT NULL`);
  if (filter.errorsOnly) terms.push(errorEventSql(alias));
  if (filter.text) {
    // SQLite's LIKE ignores ASCII case already; PostgreSQL's ILIKE ignores case.
    const operator = sql.dialect === 'postgres' ? 'ILIKE' : 'LIKE';
    terms.push(`${alias}message ${operator} ${sql.p(`%${escapeLike(filter.text)}%`)} ESCAPE '\\'`);
  }
  return terms;
}

/** `eventConditions` as one condition (`TRUE`-like `1 = 1` when the filter is empty). */
export function eventWhere(filter: EventFilter, sql: SqlBinder, alias = 'e.'): string {
  const terms = eventConditions(filter, sql, alias);
  return terms.length > 0 ? terms.join(' AND ') : '1 = 1';
}

function componentAlternatives(filter: EventFilter, sql: SqlBinder, alias: string): string | null {
  const alternatives: string[] = [];
  if (filter.componentNames && filter.componentNames.length > 0) {
    const names = sql.in(filter.componentNames);
    alternatives.push(
      `${alias}component_type IN ${names} OR ${alias}component_id IN ${sql.in(filter.componentNames)}`,
    );
  }
  alternatives.push(...componentTerms(filter.components ?? [], sql, alias));
  return alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : null;
}

/** Rows of any table with component_type/component_id columns that belong to one of `components`; null for none. */
export function componentsWhere(
  components: readonly ComponentSelector[] | undefined,
  sql: SqlBinder,
  alias = '',
): string | null {
  const terms = componentTerms(components ?? [], sql, alias);
  return terms.length > 0 ? `(${terms.join(' OR ')})` : null;
}

function componentTerms(
  components: readonly ComponentSelector[],
  sql: SqlBinder,
  alias: string,
): string[] {
  return components.map((component) =>
    component.component_id === null || component.component_id === undefined
      ? `${alias}component_type = ${sql.p(component.component_type)}`
      : `(${alias}component_type = ${sql.p(component.component_type)} AND ${alias}component_id = ${sql.p(component.component_id)})`,
  );
}
