import Database from 'better-sqlite3';
import pg from 'pg';
import { registerSqliteFunctions } from '../src/database/sql/sqlite-functions.js';
import { conventionalPhaseSql, conventionTailsSql } from '../src/insights/flow-conventions.js';
import { describeWithPostgres, freshPostgresUrl } from './support/services.js';

/** [operation, message, event_type, the phase the conventions imply] */
const CASES: [string | null, string, string, 'start' | 'end' | ''][] = [
  ['order.start', 'order 1 accepted', 'log', 'start'],
  ['checkout.begin', 'checkout opened', 'trace', 'start'],
  ['payment.completed', 'payment captured', 'log', 'end'],
  ['job.failed', 'job 7 gave up', 'log', 'end'],
  ['sync_done', 'sync', 'log', 'end'],
  ['import-started', 'import', 'log', 'start'],
  ['OrderStarted', 'order 1', 'trace', 'start'],
  ['ShipmentFinished', 'shipment 2', 'trace', 'end'],
  ['jobTimedOut', 'job 3', 'trace', 'end'],
  ['start', 'x', 'log', 'start'],
  // case does not matter in lowercase names and in message endings
  ['Payment.Completed', 'payment captured', 'log', 'end'],
  ['IMPORT_STARTED', 'import', 'log', 'start'],
  [null, 'Nightly Backup Finished', 'log', 'end'],
  [null, 'Ingest of batch 7 STARTED', 'log', 'start'],
  [null, 'report 12 export started', 'log', 'start'],
  [null, 'newsletter 4 send completed', 'log', 'end'],
  [null, 'job 42 finished', 'log', 'end'],
  [null, 'catalog import 3 started from feed', 'lifecycle', 'start'],
  [null, 'catalog import 3 finished cleanly', 'lifecycle', 'end'],
  // a message's closing punctuation, an adverb of how it went, an end word's complement
  [null, 'Export finished.', 'log', 'end'],
  [null, 'Done!', 'log', 'end'],
  [null, 'Job 42 completed successfully.', 'log', 'end'],
  [null, 'Server started successfully', 'log', 'start'],
  [null, 'task tasks.add[9f1c] succeeded in 0.004s: 8', 'log', 'end'],
  [null, 'workflow run 7 finished with status success', 'log', 'end'],
  [null, 'Finished: SUCCESS', 'log', 'end'],
  [null, 'upload of 3 files failed after 3 attempts', 'log', 'end'],
  // who, for what, where, when, a parenthesis or a clause after either word; how long and how it went after an end word
  [null, 'Payment started for order 42', 'log', 'start'],
  [null, 'nightly export started by scheduler', 'log', 'start'],
  [null, 'job 42 started on worker-3 (pid 4242)', 'log', 'start'],
  [null, 'Payment completed for order 42', 'log', 'end'],
  [null, 'job 42 finished at 10:02:11, 3 rows written', 'log', 'end'],
  [null, 'Request completed (200 OK)', 'log', 'end'],
  [null, 'sync done - 12 files', 'log', 'end'],
  // a sentence that opens with the word names the work after it (Rails, Go and Python programs)
  [null, 'Started GET "/orders/42" for 10.0.0.7 at 2026-12-05 10:00:00', 'log', 'start'],
  [null, 'Starting export of 42 rows', 'log', 'start'],
  [null, 'Completed 200 OK in 12ms (Views: 3.1ms | ActiveRecord: 1.2ms)', 'log', 'end'],
  [null, 'Finished job 42', 'log', 'end'],
  [null, 'done processing order 42', 'log', 'end'],
  [null, '  Finished job 42', 'log', 'end'],
  // the word alone, and a key's value at the end
  [null, 'start', 'log', 'start'],
  [null, 'Starting...', 'log', 'start'],
  [null, 'fail', 'log', 'end'],
  [null, 'job=42 status=completed', 'log', 'end'],
  [null, 'job=42 state=started', 'log', 'start'],
  // a failure ends the work, unless it will be tried again
  [null, 'job 42 failed', 'log', 'end'],
  [null, 'upload of 3 files failed after 3 retries', 'log', 'end'],
  [null, 'charge attempt 1 failed, retrying in 2 s', 'log', ''],
  [null, 'payment timed out; will retry', 'log', ''],
  [null, 'attempt 2 failed with ECONNRESET (retry 2/5)', 'log', ''],
  // "complete" as an adjective, not where the work is still to complete
  [null, 'Upload complete', 'log', 'end'],
  [null, 'sync 7 complete: 3 files', 'log', 'end'],
  [null, 'Complete.', 'log', 'end'],
  [null, 'waiting for the upload to complete', 'log', ''],
  [null, 'upload not complete', 'log', ''],
  [null, 'incomplete', 'log', ''],
  [null, 'waiting for batch 3 to complete (2 of 5)', 'log', ''],
  // not conventions: words inside other words, a start word in the middle of an ordinary log line
  ['restart', 'worker restart requested', 'log', ''],
  ['Backend', 'backend call', 'trace', ''],
  ['create-order', 'order 9 created for customer 4', 'trace', ''],
  [null, 'workers started 3 threads for the pool of size 8', 'log', ''],
  [null, 'heartbeat ok uptime=3600s', 'lifecycle', ''],
  [null, 'failed to reserve stock for order 1: database unavailable', 'log', ''],
  [null, 'Failed to connect to db-1, retrying in 2 s', 'log', ''],
  ['process-job', 'job 5 processed in 20 ms', 'log', ''],
  [null, 'startup took 3 s', 'log', ''],
  [null, 'Donegal warehouse picked order 4', 'log', ''],
  // a start word takes no complement of how (a step inside a flow as often)
  [null, 'job 42 started with 3 workers', 'log', ''],
  [null, 'job 42 started in the background', 'log', ''],
  // the conventions read the last 64 characters of a message
  [null, `job 42 finished in 3 s; rows written to ${'x'.repeat(60)}`, 'log', ''],
  // lengths around the longest word and suffix the tails keep (10 characters)
  ['completed', 'x', 'log', 'end'],
  ['Xcompleted', 'x', 'log', ''],
  ['a.completed', 'x', 'log', 'end'],
  ['very.long.operation.name.of.a.job.completed', 'x', 'log', 'end'],
  ['very.long.operation.name.of.a.jobcompleted', 'x', 'log', ''],
  ['SomeRatherLongBatchJobCancelled', 'x', 'trace', 'end'],
  [null, 'timed out', 'log', 'end'],
  [null, 'Timed Out', 'log', 'end'],
  [null, 'xtimed out', 'log', ''],
  [null, 'the nightly reindex of every catalog shard timed out', 'log', 'end'],
  [null, 'the nightly reindex of every catalog shard has begun', 'log', ''],
  [null, 'began', 'log', 'start'],
  [null, 'it began', 'log', 'start'],
  [null, 'itbegan', 'log', ''],
];

/**
 * The phase over one row, as the conventions take it directly and from the tails a subquery
 * selects (the refresher's form): both must give every case's phase.
 */
const forms = (dialect: 'sqlite' | 'postgres', row: string) => ({
  direct: `SELECT ${conventionalPhaseSql(dialect)} AS phase FROM (${row}) AS e`,
  tails: `SELECT ${conventionalPhaseSql(dialect, { tails: true })} AS phase
            FROM (SELECT *, ${conventionTailsSql(dialect)} FROM (${row}) AS r) AS e`,
});

describe('flow conventions (SQLite)', () => {
  const db = new Database(':memory:');
  registerSqliteFunctions(db);
  afterAll(() => db.close());

  const { direct, tails } = forms('sqlite', 'SELECT ? AS operation, ? AS message, ? AS event_type');

  it.each(CASES)('%s / "%s" (%s) → "%s"', (operation, message, eventType, phase) => {
    for (const text of [direct, tails]) {
      const row = db.prepare(text).get(operation, message, eventType) as { phase: string };
      expect(row.phase).toBe(phase);
    }
  });
});

describeWithPostgres('flow conventions (PostgreSQL)', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: await freshPostgresUrl({ migrated: false }) });
    await client.connect();
  });
  afterAll(async () => client?.end());

  const { direct, tails } = forms(
    'postgres',
    'SELECT $1::text AS operation, $2::text AS message, $3::text AS event_type',
  );

  it.each(CASES)('%s / "%s" (%s) → "%s"', async (operation, message, eventType, phase) => {
    for (const text of [direct, tails]) {
      const { rows } = await client.query(text, [operation, message, eventType]);
      expect(rows[0].phase).toBe(phase);
    }
  });
});
