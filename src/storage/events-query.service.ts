import { Inject, Injectable } from '@nestjs/common';
import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { timeOfUuidV7 } from '../common/ids.js';
import { ColdReader } from './cold/cold-reader.js';
import { type ManifestEntry, ManifestRepository } from './cold/manifest.repository.js';
import type {
  EventFilter,
  EventPage,
  EventPageRequest,
  EventPosition,
  SortOrder,
  TieredEvent,
} from './events-query.types.js';
import { HOT_STORE, type HotStore } from './hot/hot-store.js';
import { parseQueryDateTime } from '../common/validation/is-date-time.validator.js';
import { EventQueryRepository } from './warm/event-query.repository.js';

const EVENTS = 'debug_events';

/**
 * Reads of events across the three tiers. By id: hot, then warm, then cold. By range:
 * the warm store, plus the cold segments that can hold matching rows (their manifest
 * entry overlaps the range and lists the component, type and level asked for), merged
 * in (timestamp, id) order. A page never opens a cold segment whose rows would all sort
 * after what the warm store already filled the page with.
 */
@Injectable()
export class EventsQueryService {
  constructor(
    @Inject(HOT_STORE) private readonly hot: HotStore,
    private readonly warm: EventQueryRepository,
    private readonly manifest: ManifestRepository,
    private readonly cold: ColdReader,
  ) {}

  async findById(id: string): Promise<TieredEvent> {
    // With the hot tier away, the warm and cold tiers still answer (an event accepted in the last
    // moments before the outage may not be in them yet).
    const fromHot = await this.hot.get(id).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === 'UNAVAILABLE') return null;
      throw error;
    });
    if (fromHot) return { ...fromHot, tier: 'hot' };
    const hint = timeOfUuidV7(id);
    const fromWarm = await this.warm.findById(id, hint);
    if (fromWarm) return { ...fromWarm, tier: 'warm' };
    const fromCold = await this.cold.findById<DebugEventRecord>(EVENTS, id, hint);
    if (fromCold) return { ...fromCold.record, tier: 'cold' };
    throw new NotFoundError('event', id);
  }

  async list(filter: EventFilter, page: EventPageRequest): Promise<EventPage> {
    const want = page.limit + 1;
    const warmRows = await this.warm.list(filter, page, want);
    const boundary = warmRows.length === want ? warmRows[want - 1] : null;
    const { rows: coldRows, segmentsRead } = await this.coldRows(filter, page, want, boundary);

    const merged = new Map<string, TieredEvent>();
    for (const row of sortRows(
      [...warmRows.map(tag('warm')), ...coldRows.map(tag('cold'))],
      page.order,
    )) {
      if (!merged.has(row.id)) merged.set(row.id, row);
    }
    const ordered = [...merged.values()];
    const items = ordered.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor:
        ordered.length > page.limit && last
          ? encodeCursor({ timestamp: last.timestamp, id: last.id }, page.order)
          : null,
      tiers: {
        warm: items.filter((row) => row.tier === 'warm').length,
        cold: items.filter((row) => row.tier === 'cold').length,
        cold_segments_read: segmentsRead,
      },
    };
  }

  private async coldRows(
    filter: EventFilter,
    page: EventPageRequest,
    want: number,
    boundary: DebugEventRecord | null,
  ): Promise<{ rows: DebugEventRecord[]; segmentsRead: number }> {
    // The time window a cold row must fall in: the filter, the cursor, and (when the warm
    // store filled the page) the last warm row.
    let low = filter.from ?? null;
    let high = filter.to ?? null;
    const ascending = page.order === 'asc';
    const tighten = (at: string, side: 'low' | 'high') => {
      const time = new Date(at);
      if (side === 'low' && (!low || time > low)) low = time;
      if (side === 'high' && (!high || time < high)) high = time;
    };
    if (page.after) tighten(page.after.timestamp, ascending ? 'low' : 'high');
    if (boundary) tighten(boundary.timestamp, ascending ? 'high' : 'low');
    if (low && high && low > high) return { rows: [], segmentsRead: 0 };

    const entries = (await this.manifest.overlapping(EVENTS, low, high)).filter((entry) =>
      mayMatch(entry, filter),
    );
    const lowMs = low ? (low as Date).getTime() : -Infinity;
    const highMs = high ? (high as Date).getTime() : Infinity;
    // Read member by member (about a thousand rows each), nearest to the cursor first.
    const units = this.cold
      .units(entries)
      .filter((unit) => unit.toMs >= lowMs && unit.fromMs <= highMs);
    if (ascending) units.sort((a, b) => a.fromMs - b.fromMs);
    else units.sort((a, b) => b.toMs - a.toMs);

    let rows: DebugEventRecord[] = [];
    const opened = new Set<string>();
    for (const unit of units) {
      if (rows.length >= want) {
        // Every row of this member sorts after the page's last candidate: done.
        const kth = Date.parse(rows[want - 1].timestamp);
        if (ascending ? unit.fromMs > kth : unit.toMs < kth) break;
      }
      opened.add(unit.entry.id);
      for (const line of await this.cold.memberLines(unit.entry, unit.member)) {
        const record = JSON.parse(line) as DebugEventRecord;
        if (matches(record, filter) && inWindow(record, page, boundary)) rows.push(record);
      }
      rows = sortRows(rows, page.order).slice(0, want);
    }
    const segmentsRead = opened.size;
    return { rows, segmentsRead };
  }
}

function tag(tier: 'warm' | 'cold') {
  return (row: DebugEventRecord): TieredEvent => ({ ...row, tier });
}

function compare(a: EventPosition, b: EventPosition): number {
  const difference = Date.parse(a.timestamp) - Date.parse(b.timestamp);
  if (difference !== 0) return difference;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function sortRows<T extends EventPosition>(rows: T[], order: SortOrder): T[] {
  return rows.sort((a, b) => (order === 'asc' ? compare(a, b) : compare(b, a)));
}

/** After the cursor, and not past the warm store's last row of a full page. */
function inWindow(
  record: DebugEventRecord,
  page: EventPageRequest,
  boundary: DebugEventRecord | null,
): boolean {
  const sign = page.order === 'asc' ? 1 : -1;
  if (page.after && sign * compare(record, page.after) <= 0) return false;
  if (boundary && sign * compare(record, boundary) > 0) return false;
  return true;
}

/** Whether a manifest entry can hold a row that passes the filter. */
export function mayMatch(entry: ManifestEntry, filter: EventFilter): boolean {
  if (filter.component_type && !entry.componentTypes.includes(filter.component_type)) return false;
  if (
    filter.components?.length &&
    !filter.components.some((component) => entry.componentTypes.includes(component.component_type))
  )
    return false;
  if (entry.components) {
    if (filter.component_type && filter.component_id) {
      if (!entry.components.includes(`${filter.component_type}/${filter.component_id}`))
        return false;
    } else if (filter.component_id) {
      const suffix = `/${filter.component_id}`;
      if (!entry.components.some((component) => component.endsWith(suffix))) return false;
    }
  }
  if (filter.event_type && entry.eventTypes && !entry.eventTypes.includes(filter.event_type))
    return false;
  if (filter.level && entry.levels && !entry.levels.includes(filter.level)) return false;
  return true;
}

/** The filter applied to one record, exactly as the warm store's SQL applies it. */
export function matches(record: DebugEventRecord, filter: EventFilter): boolean {
  const time = Date.parse(record.timestamp);
  if (filter.from && time < filter.from.getTime()) return false;
  if (filter.to && time > filter.to.getTime()) return false;
  for (const column of [
    'component_type',
    'component_id',
    'event_type',
    'level',
    'correlation_id',
    'session_id',
  ] as const) {
    const wanted = filter[column];
    if (wanted !== undefined && record[column] !== wanted) return false;
  }
  if (filter.pattern_ids && !filter.pattern_ids.includes(record.pattern_id ?? '')) return false;
  if (filter.operation !== undefined && record.operation !== filter.operation) return false;
  if (
    filter.components?.length &&
    !filter.components.some(
      (component) =>
        component.component_type === record.component_type &&
        (component.component_id === null ||
          component.component_id === undefined ||
          component.component_id === record.component_id),
    )
  )
    return false;
  if (filter.text && !record.message.toLowerCase().includes(filter.text.toLowerCase()))
    return false;
  return true;
}

const CURSOR_VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An opaque cursor: base64url of the last row's position and the order it was taken in. */
export function encodeCursor(position: EventPosition, order: SortOrder): string {
  return Buffer.from(
    JSON.stringify({ v: CURSOR_VERSION, t: position.timestamp, id: position.id, o: order }),
  ).toString('base64url');
}

export function decodeCursor(cursor: string, order: SortOrder): EventPosition {
  const invalid = (reason: string) =>
    new DomainError('VALIDATION_FAILED', `cursor is invalid: ${reason}`, { field: 'cursor' });
  let parsed: { v?: unknown; t?: unknown; id?: unknown; o?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw invalid('not a cursor this service issued');
  }
  if (
    parsed.v !== CURSOR_VERSION ||
    typeof parsed.t !== 'string' ||
    typeof parsed.id !== 'string'
  ) {
    throw invalid('not a cursor this service issued');
  }
  if (parseQueryDateTime(parsed.t) === null || !UUID.test(parsed.id))
    throw invalid('not a cursor this service issued');
  if (parsed.o !== order)
    throw invalid(`it was issued for order=${String(parsed.o)}, not order=${order}`);
  return { timestamp: parsed.t, id: parsed.id };
}
