/**
 * The ingest journal: a Redis Stream that the full-mode hot tier appends new events to in the
 * same atomic step that claims their ids, so that an accepted event is durable on Redis the
 * moment the hot tier answers. Writers (collector/ingest-journal.ts) read it through a consumer
 * group. One stream entry holds the new events of one accept call (up to MAX_EVENTS_PER_ENTRY;
 * more make several entries), one `e` field per event holding its JSON.
 */
export interface IngestJournalKeys {
  /** The stream. Entry fields: `n` (events in the entry), then `e` once per event (its JSON). */
  stream: string;
  /** Events appended and not yet written to the warm store (incremented on append, decremented on acknowledge). */
  pendingEvents: string;
}

export const ingestJournalKeys = (redisPrefix: string): IngestJournalKeys => ({
  stream: `${redisPrefix}:ingest:journal`,
  pendingEvents: `${redisPrefix}:ingest:journal:pending-events`,
});

export const MAX_EVENTS_PER_ENTRY = 1000;
