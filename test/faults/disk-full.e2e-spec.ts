import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { startApp, type RunningApp } from '../support/app.js';
import { embeddedEnv } from '../support/services.js';
import { RssSampler, uncaughtErrors } from './fault-checks.js';

/**
 * A full disk under the embedded store: SQLite on a small tmpfs (root mounts one; elsewhere the
 * suite says loudly that it skipped; under CI as root it is required). Ingestion fills
 * it: every answer is a 2xx or a 503/507 with Retry-After, never another 5xx; the process lives;
 * reads still answer; once space is back, ingestion resumes; and every acknowledged event is
 * stored exactly once.
 */
const REQUIRED =
  (process.env.CI === 'true' || process.env.DEBUG_REQUIRE_SERVICES === '1') &&
  process.getuid?.() === 0;

function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
  }
}

const mountDir = mkdtempSync(join(tmpdir(), 'ads-full-disk-'));
const mountProblem = mountTmpfs(mountDir, '3m');
if (mountProblem) {
  rmSync(mountDir, { recursive: true, force: true });
  if (!REQUIRED) {
    process.stderr.write(
      `\n${'!'.repeat(78)}\n!! SKIPPING the full-disk suite: cannot mount a tmpfs (${mountProblem})\n${'!'.repeat(78)}\n\n`,
    );
  }
}
const describeWithTmpfs = mountProblem && !REQUIRED ? describe.skip : describe;

describeWithTmpfs('fault: the embedded store on a full disk', () => {
  let running: RunningApp;
  const errors = uncaughtErrors();
  const sqlitePath = join(mountDir, 'debug.sqlite');

  beforeAll(async () => {
    if (mountProblem) throw new Error(`a tmpfs is required here (root): ${mountProblem}`);
    running = await startApp(embeddedEnv({ DEBUG_SQLITE_PATH: sqlitePath }));
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    errors.dispose();
    if (!mountProblem) {
      try {
        execFileSync('umount', [mountDir], { stdio: 'pipe' });
      } catch {
        // still busy: left for the OS
      }
      rmSync(mountDir, { recursive: true, force: true });
    }
  });

  it('refuses with 503/507 + Retry-After while full, keeps serving, resumes when space is back, loses and duplicates nothing acknowledged', async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    const wrongAnswers: string[] = [];
    const filler = 'x'.repeat(1500);
    const rss = RssSampler.ofThisProcess('disk-full');
    let refusals = 0;
    for (let batch = 0; batch < 400 && refusals < 5; batch++) {
      // The first batches are the warm-up: the same work before the disk is full.
      if (batch === 3) rss.warm();
      const events = Array.from({ length: 100 }, (_, index) => ({
        id: randomUUID(),
        event_type: 'log',
        level: 'info',
        component_type: 'filler',
        component_id: `f-${index % 7}`,
        message: `batch ${batch} line ${index} ${filler}`,
      }));
      const response = await request(running.url)
        .post('/api/debug/events/batch')
        .send({ events })
        .ok(() => true);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 202) {
        acknowledged.push(...events.map((event) => event.id));
      } else if (response.status === 503 || response.status === 507) {
        refusals++;
        if (!response.headers['retry-after'])
          wrongAnswers.push(`${response.status} without Retry-After`);
      } else {
        wrongAnswers.push(`${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      }
    }
    expect(wrongAnswers).toEqual([]);
    expect(refusals).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(0);

    // Full, but alive: reads answer.
    await request(running.url).get('/api/debug/health/live').expect(200);
    await request(running.url).get('/api/debug/events?limit=5').expect(200);

    // Space is back: the same process takes events again.
    execFileSync('mount', ['-o', 'remount,size=64m', mountDir]);
    const after = randomUUID();
    await request(running.url)
      .post('/api/debug/events')
      .send({
        id: after,
        event_type: 'log',
        level: 'info',
        component_type: 'filler',
        component_id: 'f-0',
        message: 'space is back',
      })
      .expect(202);
    acknowledged.push(after);

    const db = new Database(sqlitePath, { readonly: true });
    try {
      const counts = new Map<string, number>();
      const select = db.prepare('SELECT id FROM debug_events WHERE component_type = ?');
      for (const row of select.iterate('filler') as Iterable<{ id: string }>)
        counts.set(row.id, (counts.get(row.id) ?? 0) + 1);
      expect(acknowledged.filter((id) => !counts.has(id))).toEqual([]);
      expect([...counts.values()].filter((count) => count > 1)).toEqual([]);
    } finally {
      db.close();
    }
    expect(errors.seen).toEqual([]);
    rss.expectBoundedGrowth();
    process.stdout.write(
      `disk-full: ${acknowledged.length} acknowledged, answers ${JSON.stringify(Object.fromEntries(statuses))}\n`,
    );
  });
});
