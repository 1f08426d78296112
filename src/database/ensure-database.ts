import { userInfo } from 'node:os';
import pg from 'pg';

/** PostgreSQL SQLSTATEs this start-up step tells apart. */
const INVALID_CATALOG_NAME = '3D000';
const INSUFFICIENT_PRIVILEGE = '42501';
const DUPLICATE_DATABASE = '42P04';

/** Start-up cannot go on; the message is the one line to print. */
export class DatabaseSetupError extends Error {}

/**
 * Makes sure the database `DATABASE_URL` names exists before the pool and the migrations need
 * it: when it is missing, creates it through the `postgres` maintenance database with the same
 * role (what `createdb` does). A role without CREATEDB gets one line saying what to run.
 * Answers what it did, for the start-up log.
 */
export async function ensureDatabase(url: string): Promise<'exists' | 'created'> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  try {
    await withClient(url, async () => undefined);
    return 'exists';
  } catch (error) {
    if (codeOf(error) !== INVALID_CATALOG_NAME) throw error;
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const role = decodeURIComponent(target.username) || process.env.PGUSER || userInfo().username;
  try {
    await withClient(maintenance.toString(), (client) =>
      client.query(`CREATE DATABASE ${quoteIdentifier(name)}`),
    );
    return 'created';
  } catch (error) {
    // Another process created it between the two steps: as good as done.
    if (codeOf(error) === DUPLICATE_DATABASE) return 'exists';
    const why =
      codeOf(error) === INSUFFICIENT_PRIVILEGE
        ? `role "${role}" may not create databases`
        : `creating it failed: ${(error as Error).message}`;
    throw new DatabaseSetupError(
      `database "${name}" does not exist and ${why}: create it with ` +
        `createdb -h ${target.hostname} -p ${target.port || 5432} -U postgres -O ${role} ${name} ` +
        `(or psql -c 'CREATE DATABASE "${name}" OWNER "${role}"'), then start again`,
    );
  }
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An error event after connect (the server going away) must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
