import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/**
 * Real Chromium for the console's browser tests (Debian's package, driven by playwright-core).
 * Where it is missing the suites skip with a loud banner, except under CI=true or
 * DEBUG_REQUIRE_SERVICES=1, where a missing browser is a failure (as for PostgreSQL/Redis).
 */
export const CHROMIUM_PATH = process.env.DEBUG_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const browserRequired =
  process.env.CI === 'true' || process.env.DEBUG_REQUIRE_SERVICES === '1';
export const SCREENSHOTS = resolve('test-results');

export function chromiumMissingBanner(): void {
  const bar = '!'.repeat(78);
  process.stderr.write(
    `\n${bar}\n!! BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM_PATH}\n!! Install it with: apt-get install -y chromium\n` +
      `!! (CI=true or DEBUG_REQUIRE_SERVICES=1 makes this a failure)\n${bar}\n\n`,
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
}

/** Builds the console into dist/web (vite, about a second), so that the suite serves what the sources say. */
export function buildConsole(): void {
  execFileSync(
    process.execPath,
    [
      resolve('node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
}
