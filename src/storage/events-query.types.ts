import type { DebugEventRecord } from '../common/debug-event.js';
import type { ComponentSelector } from '../database/sql/event-filter.js';

export type Tier = 'hot' | 'warm' | 'cold';
export type SortOrder = 'asc' | 'desc';

/** What `GET /events` can filter on; every field is optional. */
export interface EventFilter {
  from?: Date;
  to?: Date;
  component_type?: string;
  component_id?: string;
  event_type?: string;
  level?: string;
  correlation_id?: string;
  session_id?: string;
  /** The pattern and every id merged into it: events keep the id they were stored with. */
  pattern_ids?: readonly string[];
  /** Case-insensitive substring of the message. */
  text?: string;
  /** Any of these components (an insight's affected components; not a list query parameter). */
  components?: readonly ComponentSelector[];
  /** The operation (an insight's; not a list query parameter). */
  operation?: string;
}

/** A position in (timestamp, id) order: the last row of the previous page. */
export interface EventPosition {
  timestamp: string;
  id: string;
}

export interface EventPageRequest {
  limit: number;
  order: SortOrder;
  after?: EventPosition;
}

export interface TieredEvent extends DebugEventRecord {
  tier: Tier;
}

export interface EventPage {
  items: TieredEvent[];
  next_cursor: string | null;
  /** Which tiers this page read, and how many cold segments it opened. */
  tiers: { warm: number; cold: number; cold_segments_read: number };
}
