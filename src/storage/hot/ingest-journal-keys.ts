/**
 * The ingest journal: a Redis Stream that the full-mode hot tier appends new events to in the
 * same atomic step that claims their ids, so that an accepted event is durable on Redis the
 * moment the hot tier answers. Writers (collector/ingest-journal.ts) read it through a consumer
 * group. One stream entry holds the new events of one accept call, as a JSON array.
 */
export interface IngestJournalKeys {
  /** The stream. Entry fields: `n` (events in the entry) and `e` (a JSON array of the events). */
  stream: string;
  /** Events appended and not yet written to the warm store (incremented on append, decremented on acknowledge). */
  pendingEvents: string;
}

export const ingestJournalKeys = (redisPrefix: string): IngestJournalKeys => ({
  stream: `${redisPrefix}:ingest:journal`,
  pendingEvents: `${redisPrefix}:ingest:journal:pending-events`,
});
