// `npm run bench:console`: seeds a scratch PostgreSQL database with N warm events (COPY), serves
// the built console from the service, and times in real Chromium (playwright-core):
//   - first view: navigation to `/` until the component health cards and the open-insight counts
//     are drawn (and until every sparkline is drawn);
//   - a filter: choosing level=error in the events explorer until the list shows the answer, and
//     until the histogram (server counts over the range) is drawn as well;
// each against the same-run baseline of the API calls the page made, replayed from Node
// (same URLs, same bodies, one after another), so the ratio is the console's own cost.
//   --events N (1000000)  --hours H (24: events spread over the last H hours)
//   --runs R (7: page loads and filters; the first is reported apart: cold query cache)  --keep
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { chromium, type Page, type Request } from 'playwright-core';
import { createApp } from '../src/bootstrap.js';
import { QueryCacheService } from '../src/cache/query-cache.service.js';
import { newId } from '../src/common/ids.js';
import { PartitionService } from '../src/database/partition.service.js';
import { ADMIN_URL, adminQuery, log, numberOption, quantile } from './bench-support.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHROMIUM = process.env.DEBUG_CHROMIUM_PATH ?? '/usr/bin/chromium';
const HOUR_MS = 3_600_000;
const TYPES = 12;
const IDS_PER_TYPE = 4;
const MESSAGES = [
  'request handled in <n> ms',
  'cache miss for key user:<n>',
  'job <n> processed',
  'heartbeat ok uptime=<n>s',
];
const ERRORS = ['connection pool exhausted (waiting=<n>)', 'timeout after <n> ms calling upstream'];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const csv = (value: string | number | null) =>
  value === null
    ? ''
    : typeof value === 'number'
      ? String(value)
      : `"${value.replaceAll('"', '""')}"`;

/** `total` events over the last `hours`, 3 % errors, in operations of four steps. */
function* rows(total: number, hours: number, now: number): Generator<string> {
  const next = random(15);
  const span = hours * HOUR_MS;
  for (let produced = 0; produced < total; produced++) {
    const timestamp = new Date(now - span + (produced / total) * span);
    const type = Math.floor(Math.pow(next(), 1.4) * TYPES);
    const error = next() < 0.03;
    const template = error
      ? ERRORS[produced % ERRORS.length]
      : MESSAGES[produced % MESSAGES.length];
    yield (
      [
        csv(newId(timestamp)),
        csv(timestamp.toISOString()),
        csv(error ? 'error' : 'log'),
        csv(error ? 'error' : next() < 0.1 ? 'warning' : 'info'),
        csv(`service-${type}`),
        csv(`service-${type}-${Math.floor(next() * IDS_PER_TYPE)}`),
        csv(`op-${Math.floor(produced / 4)}`),
        csv(null),
        csv(['receive', 'reserve', 'charge', 'notify'][produced % 4]),
        csv(Math.round(20 + next() * 200)),
        csv(template.replace('<n>', String(Math.floor(next() * 100_000)))),
        csv(null),
        csv(null),
        csv(null),
        csv(null),
        csv(timestamp.toISOString()),
      ].join(',') + '\n'
    );
  }
}

async function seed(databaseUrl: string, total: number, hours: number, now: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const copy = client.query(
      copyStreams.from(
        `COPY debug_events (id, "timestamp", event_type, level, component_type, component_id, correlation_id, parent_event_id,
          operation, duration_ms, message, data, metadata, session_id, pattern_id, ingested_at) FROM STDIN WITH (FORMAT csv)`,
      ),
    );
    const batched = async function* () {
      let buffer = '';
      let lines = 0;
      for (const line of rows(total, hours, now)) {
        buffer += line;
        if (++lines % 5000 === 0) {
          yield buffer;
          buffer = '';
          if (lines % 200_000 === 0) log(`  copied ${lines} events`);
        }
      }
      if (buffer) yield buffer;
    };
    await pipeline(Readable.from(batched()), copy);
    await client.query(
      `INSERT INTO debug_insights (id, insight_type, severity, title, summary, fingerprint, affected_components, evidence, confidence,
                                   suggestions, occurrences, first_seen, last_seen, status)
       SELECT gen_random_uuid(), 'error', (ARRAY['low','medium','high','critical'])[1 + n % 4], 'Burst of errors in service-' || (n % ${TYPES}),
              'errors above baseline', md5('bench-console-' || n),
              jsonb_build_array(jsonb_build_object('component_type', 'service-' || (n % ${TYPES}))), '{}'::jsonb, 0.8,
              '[]'::jsonb, 10, to_timestamp($1::double precision / 1000) - interval '2 hours', to_timestamp($1::double precision / 1000) - interval '5 minutes', 'open'
         FROM generate_series(1, 60) n`,
      [now],
    );
    log('VACUUM ANALYZE');
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

interface ApiCall {
  method: string;
  url: string;
  body: string | null;
  ms: number;
}

/** Records the page's API calls (method, url, body, duration by the browser's resource timing). */
function recordApiCalls(page: Page): { calls: ApiCall[]; stop(): void } {
  const calls: ApiCall[] = [];
  const onFinished = (request: Request) => {
    if (!request.url().includes('/api/debug/')) return;
    const timing = request.timing();
    calls.push({
      method: request.method(),
      url: request.url(),
      body: request.postData(),
      ms: timing.responseEnd - timing.requestStart,
    });
  };
  page.on('requestfinished', onFinished);
  return { calls, stop: () => page.off('requestfinished', onFinished) };
}

/** The same calls from Node, one after another: what a client of the API waits for. */
async function replay(calls: ApiCall[]): Promise<number> {
  const started = performance.now();
  for (const call of calls) {
    const response = await fetch(call.url, {
      method: call.method,
      headers: call.body ? { 'Content-Type': 'application/json' } : {},
      body: call.body ?? undefined,
    });
    await response.arrayBuffer();
  }
  return performance.now() - started;
}

const fmt = (ms: number) => ms.toFixed(0).padStart(6);

async function main(): Promise<void> {
  const total = numberOption('events', 1_000_000);
  const hours = numberOption('hours', 24);
  const runs = numberOption('runs', 7);
  const keep = process.argv.includes('--keep');
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const name = `ads_bench_console_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  log(
    `bench:console — ${cpus().length} cores, ${total} warm events over ${hours} h, ${runs} runs, database ${name}`,
  );
  await adminQuery(`CREATE DATABASE ${name}`);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  try {
    app = await createApp({
      DATABASE_URL: url.toString(),
      REDIS_URL,
      DEBUG_REDIS_PREFIX: `bench-console-${randomBytes(3).toString('hex')}`,
      DEBUG_API_KEYS: '',
      DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const now = Date.now();
    await app.get(PartitionService).ensureFor(
      'debug_events',
      Array.from({ length: Math.ceil(hours / 24) + 1 }, (_, index) => now - index * 24 * HOUR_MS),
    );
    const seeded = performance.now();
    await seed(url.toString(), total, hours, now);
    log(`seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const cache = app.get(QueryCacheService);

    const results: Record<string, { page: number[]; api: number[]; calls: number }> = {};
    const note = (label: string, page: number, api: number, calls: number) => {
      results[label] ??= { page: [], api: [], calls };
      results[label].page.push(page);
      results[label].api.push(api);
    };
    for (let run = 0; run < runs; run++) {
      const coldLabel = run === 0 ? ' (cold query cache)' : '';
      if (run === 0) cache.clear();
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      const page = await context.newPage();

      // Chromium's own floor on this machine: navigating to a tiny page of the same server.
      let started = performance.now();
      await page.goto(`${base}/api/debug/health/live`);
      await page.locator('body').filter({ hasText: 'ok' }).waitFor();
      note(
        `chromium floor: navigate to a 60-byte page${coldLabel}`,
        performance.now() - started,
        0,
        0,
      );

      let recorder = recordApiCalls(page);
      started = performance.now();
      await page.goto(`${base}/?range=1h`);
      await page.getByTestId('component-card').first().waitFor();
      await page.locator('.severity-count .count').filter({ hasNotText: '…' }).first().waitFor();
      const firstView = performance.now() - started;
      // A function, not a string: the console's CSP (script-src 'self') forbids the page to eval one.
      await page.waitForFunction(() => {
        const { document } = globalThis as unknown as {
          document: { querySelectorAll(selector: string): { length: number } };
        };
        return (
          document.querySelectorAll('.sparkline canvas').length ===
          document.querySelectorAll('[data-testid="component-card"]').length
        );
      });
      const complete = performance.now() - started;
      recorder.stop();
      // The sparklines' calls (one histogram per component) are the second line's.
      const firstCalls = recorder.calls.filter((call) => !call.url.includes('/events/histogram?'));
      if (run === 0) cache.clear();
      note(`first view${coldLabel}`, firstView, await replay(firstCalls), firstCalls.length);
      if (run === 0) cache.clear();
      note(
        `first view + every sparkline${coldLabel}`,
        complete,
        await replay(recorder.calls),
        recorder.calls.length,
      );

      await page.goto(`${base}/events?range=1h`);
      await page
        .getByTestId('page-summary')
        .filter({ hasText: /events loaded/ })
        .waitFor();
      await page.getByTestId('histogram-total').waitFor();
      recorder = recordApiCalls(page);
      const histogramAnswered = page.waitForResponse(
        (response) =>
          response.url().includes('/events/histogram?') && response.url().includes('level=error'),
      );
      started = performance.now();
      await page.getByLabel('Level').selectOption('error');
      await page
        .getByTestId('page-summary')
        .filter({ hasText: /events loaded/ })
        .waitFor();
      await page
        .locator('[data-testid="event-row"] .lvl')
        .first()
        .filter({ hasText: 'error' })
        .waitFor();
      const filter = performance.now() - started;
      const histogramBody = (await (await histogramAnswered).json()) as { total: number };
      await page
        .getByTestId('histogram-total')
        .filter({ hasText: new RegExp(`^${histogramBody.total}$`) })
        .waitFor();
      const filterAndHistogram = performance.now() - started;
      recorder.stop();
      const listCalls = recorder.calls.filter((call) => !call.url.includes('/events/histogram?'));
      note(
        `filter level=error: list (events explorer)${coldLabel}`,
        filter,
        await replay(listCalls),
        listCalls.length,
      );
      note(
        `filter level=error: list + histogram drawn${coldLabel}`,
        filterAndHistogram,
        await replay(recorder.calls),
        recorder.calls.length,
      );
      await context.close();
    }

    log('');
    log(
      `${total} warm events; page = Chromium from action to drawn answer; api = the page's API calls replayed from Node`,
    );
    log(
      'what                                                   runs  page p50  page max   api p50  api max  page/api  calls',
    );
    for (const [label, { page, api, calls }] of Object.entries(results)) {
      const ratio = calls === 0 ? 1 : quantile(page, 0.5) / Math.max(1, quantile(api, 0.5));
      log(
        `${label.padEnd(54)} ${String(page.length).padStart(4)}  ${fmt(quantile(page, 0.5))} ms ${fmt(Math.max(...page))} ms ${fmt(quantile(api, 0.5))} ms ${fmt(Math.max(...api))} ms ${ratio.toFixed(2).padStart(7)}× ${String(calls).padStart(6)}`,
      );
    }
  } finally {
    await browser.close();
    await app?.close();
    if (!keep) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
