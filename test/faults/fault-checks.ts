import pg from 'pg';

/** Acknowledged ids missing from the warm store, and ids stored more than once. */
export async function countRowsById(databaseUrl: string, ids: readonly string[]): Promise<{ missing: string[]; duplicated: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; n: number }>(
      'SELECT id::text AS id, count(*)::int AS n FROM debug_events WHERE id = ANY($1::uuid[]) GROUP BY id',
      [ids],
    );
    const found = new Map(rows.map((row) => [row.id, row.n]));
    return {
      missing: ids.filter((id) => !found.has(id)),
      duplicated: rows.filter((row) => row.n > 1).map((row) => row.id),
    };
  } finally {
    await client.end();
  }
}

/**
 * Errors that would have killed a real process (uncaught exceptions, unhandled 'error' events)
 * seen while the test ran. Jest would otherwise report them against whichever test runs next.
 */
export function uncaughtErrors(): { seen: string[]; dispose(): void } {
  const seen: string[] = [];
  const record = (error: unknown) => seen.push(error instanceof Error ? error.message : String(error));
  process.on('uncaughtException', record);
  return { seen, dispose: () => process.off('uncaughtException', record) };
}
