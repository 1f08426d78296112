import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import request from 'supertest';
import type { Browser } from 'playwright-core';
import { startApp, type RunningApp } from './support/app.js';
import {
  browserRequired,
  CHROMIUM_PATH,
  chromiumMissingBanner,
  hasChromium,
  launchChromium,
} from './support/browser.js';
import { embeddedEnv } from './support/services.js';

/**
 * The official Sentry browser SDK, unchanged, in real Chromium on a page of another origin
 * than the service: its envelopes are stored, and CORS lets it read our answers (rate limits
 * included) only from the origins DEBUG_CORS_ORIGINS allows.
 */
const KEYS = 'browser_dsn_key_01:ingest,browser-reader-1:read';
const PROJECT = '7';

if (!hasChromium) {
  if (browserRequired) {
    describe('Sentry browser SDK in Chromium', () => {
      it('has Chromium (CI=true / DEBUG_REQUIRE_SERVICES=1 require it)', () => {
        throw new Error(
          `Chromium is missing at ${CHROMIUM_PATH}: apt-get install -y chromium (.ci/run does this)`,
        );
      });
    });
  } else {
    chromiumMissingBanner();
  }
}

const describeInBrowser = hasChromium ? describe : describe.skip;

/** The SDK bundled for the page as a browser app would ship it (rolldown, the bundler Vite uses). */
async function sdkBundle(): Promise<string> {
  const dir = resolve('test-results/sentry-browser');
  mkdirSync(dir, { recursive: true });
  const entry = resolve(dir, 'entry.mjs');
  writeFileSync(
    entry,
    `import * as Sentry from '@sentry/browser';
window.reportToDebug = async (dsn, message) => {
  Sentry.init({ dsn, release: 'shop-web@2.4.0', environment: 'browser-test' });
  Sentry.captureException(new Error(message));
  return Sentry.flush(5000);
};
`,
  );
  // In a child process: rolldown's native binding does not run inside Jest's VM context.
  const bundled = resolve(dir, 'sdk.js');
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { rolldown } from 'rolldown';
const bundle = await rolldown({ input: ${JSON.stringify(entry)}, platform: 'browser', logLevel: 'silent' });
await bundle.write({ file: ${JSON.stringify(bundled)}, format: 'iife' });
await bundle.close();`,
    ],
    { stdio: 'inherit' },
  );
  return readFileSync(bundled, 'utf8');
}

/** A page of its own origin (another port), which loads the bundled SDK. */
async function servePage(script: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/sdk.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end('<!doctype html><title>shop</title><script src="/sdk.js"></script>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { server, origin: `http://127.0.0.1:${port}` };
}

describeInBrowser('Sentry browser SDK in Chromium, from another origin (embedded)', () => {
  let browser: Browser;
  let allowedPage: { server: Server; origin: string };
  let otherPage: { server: Server; origin: string };
  let running: RunningApp;

  beforeAll(async () => {
    const script = await sdkBundle();
    [allowedPage, otherPage] = await Promise.all([servePage(script), servePage(script)]);
    running = await startApp(
      embeddedEnv({ DEBUG_API_KEYS: KEYS, DEBUG_CORS_ORIGINS: allowedPage.origin }),
    );
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    allowedPage?.server.close();
    otherPage?.server.close();
  });

  const dsn = () => {
    const url = new URL(running.url);
    return `http://browser_dsn_key_01@${url.host}/${PROJECT}`;
  };

  /** Reports an error from a page of `origin`; the console messages of the page. */
  async function reportFrom(origin: string, message: string): Promise<string[]> {
    const page = await browser.newPage();
    const consoleLines: string[] = [];
    page.on('console', (line) => consoleLines.push(line.text()));
    try {
      await page.goto(`${origin}/`);
      const flushed = await page.evaluate(
        ([url, text]) =>
          (
            globalThis as unknown as {
              reportToDebug: (dsn: string, message: string) => Promise<boolean>;
            }
          ).reportToDebug(url, text),
        [dsn(), message] as const,
      );
      expect(flushed).toBe(true);
    } finally {
      await page.close();
    }
    return consoleLines;
  }

  async function storedMessages(): Promise<string[]> {
    const response = await request(running.url)
      .get('/api/debug/events?level=error&limit=100')
      .set('X-API-Key', 'browser-reader-1')
      .expect(200);
    return (response.body.items as { message: string }[]).map((event) => event.message);
  }

  async function eventually(message: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if ((await storedMessages()).some((stored) => stored.includes(message))) return;
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
    throw new Error(`"${message}" was never stored`);
  }

  it('stores the error of a page on an allowed origin, and the SDK reads the answer', async () => {
    const lines = await reportFrom(allowedPage.origin, 'cart total is NaN after coupon');
    await eventually('cart total is NaN after coupon');
    expect(lines.filter((line) => /CORS|Failed to fetch/i.test(line))).toEqual([]);
  });

  it('lets a page of another origin send but not read, as CORS says', async () => {
    const lines = await reportFrom(otherPage.origin, 'checkout button does nothing');
    // A browser sends a simple POST before CORS applies; what CORS decides is who reads it.
    await eventually('checkout button does nothing');
    expect(lines.join('\n')).toMatch(/blocked by CORS policy/);
  });

  it("exposes Sentry's rate-limit headers to allowed origins", async () => {
    const response = await request(running.url)
      .post(`/api/${PROJECT}/envelope/?sentry_key=browser_dsn_key_01&sentry_version=7`)
      .set('Origin', allowedPage.origin)
      .set('Content-Type', 'text/plain;charset=UTF-8')
      .send('{}\n');
    expect(response.headers['access-control-allow-origin']).toBe(allowedPage.origin);
    expect(response.headers['access-control-expose-headers']).toMatch(/X-Sentry-Rate-Limits/i);
  });
});
