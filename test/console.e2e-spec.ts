import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InsightsService } from '../src/insights/insights.service.js';
import { writeScenario, type WrittenScenario } from './scenarios/scenario-generator.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import {
  browserRequired,
  CHROMIUM_PATH,
  buildConsole,
  chromiumMissingBanner,
  hasChromium,
  launchChromium,
  SCREENSHOTS,
} from './support/browser.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

const READER = 'console-reader-1';
const ADMIN = 'console-admin-1';
const KEYS = `${READER}:read,${ADMIN}:read+ingest+admin`;

interface InsightBody {
  id: string;
  title: string;
  severity: string;
  status: string;
  evidence: Record<string, unknown>;
}

if (!hasChromium) {
  if (browserRequired) {
    describe('web console in Chromium', () => {
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

const describeInBrowser = hasChromium ? describeWithPostgresAndRedis : describe.skip;

describeInBrowser('web console in Chromium (PostgreSQL + Redis)', () => {
  let running: RunningApp;
  let browser: Browser;
  let page: Page;
  let scenario: WrittenScenario;
  let insights: InsightBody[];
  const api = () => request(running.url);
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`), fullPage: true });
  const propagation = () =>
    insights.find((insight) => insight.evidence.kind === 'error_propagation')!;

  async function useKey(key: string): Promise<void> {
    await page.getByRole('button', { name: /^API key/ }).click();
    const dialog = page.getByRole('dialog', { name: 'API key' });
    await dialog.getByLabel('Key').fill(key);
    await dialog.getByRole('button', { name: 'Use key' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  beforeAll(async () => {
    buildConsole();
    running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
    scenario = await writeScenario(running.app.get(DataSource), { now: new Date(), seed: 15 });
    await running.app
      .get(InsightsService)
      .generate({ from: scenario.from, to: scenario.to }, scenario.now);
    const declined = Array.from({ length: 6 }, (_, index) => ({
      event_type: 'error',
      level: 'error',
      component_type: 'checkout-service',
      component_id: 'checkout-1',
      message: `checkout failed for order ${4000 + index}: card declined`,
    }));
    await api()
      .post('/api/debug/events/batch')
      .set('X-API-Key', ADMIN)
      .send({ events: declined })
      .expect(202);
    expect(await ingestSettled(running.app)).toBe(true);
    const listed = await api()
      .get('/api/debug/insights?status=open&limit=500')
      .set('X-API-Key', READER)
      .expect(200);
    insights = listed.body.items;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('serves the console at / with long-lived hashed assets, and leaves /api and non-GET requests to the API', async () => {
    const index = await api().get('/').expect(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)![1];
    const script = await api().get(asset).expect(200);
    expect(script.headers['cache-control']).toMatch(/max-age=31536000.*immutable/);
    const deepLink = await api().get('/insights/some-id?status=open').expect(200);
    expect(deepLink.text).toBe(index.text);
    const unknownApi = await api()
      .get('/api/debug/no-such-route')
      .set('X-API-Key', READER)
      .expect(404);
    expect(unknownApi.body).toMatchObject({ statusCode: 404 });
    await api().get('/v1/traces').expect(404);
    await api().post('/some-page').expect(404);
  });

  it('asks for an API key, then shows every component with its health and the open insights by severity', async () => {
    await page.goto(`${running.url}/`);
    const dialog = page.getByRole('dialog', { name: 'API key' });
    await dialog.waitFor();
    await dialog.getByLabel('Key').fill(READER);
    await dialog.getByRole('button', { name: 'Use key' }).click();
    const cards = page.getByTestId('component-card');
    await page.getByRole('article', { name: /^payment-service:/ }).waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(6);
    const high = insights.filter((insight) => insight.severity === 'high').length;
    await page.getByRole('link', { name: `${high} open high insights` }).waitFor();
    await page.locator('.sparkline canvas').first().waitFor();
    await shot('overview');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await shot('overview-dark');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  it('lists the scenario’s insights and opens one with its evidence; a read key is refused when resolving', async () => {
    const insight = propagation();
    await page.goto(`${running.url}/insights`);
    await page.getByTestId('live-status').filter({ hasText: 'live: live' }).waitFor();
    expect(await page.getByTestId('insight-row').count()).toBe(insights.length);
    await page.getByRole('link', { name: insight.title }).click();
    await page.getByRole('heading', { name: insight.title }).waitFor();
    expect(page.url()).toBe(`${running.url}/insights/${insight.id}`);
    await page.getByRole('heading', { name: 'Chains' }).waitFor();
    const occurrences = await api()
      .get(`/api/debug/insights/${insight.id}/occurrences`)
      .set('X-API-Key', READER)
      .expect(200);
    expect(occurrences.body.total).toBeGreaterThan(0);
    const chart = page.getByTestId('insight-occurrences');
    await chart
      .getByTestId('histogram-total')
      .filter({ hasText: new RegExp(`^${occurrences.body.total}$`) })
      .waitFor();
    await chart.locator('canvas').first().waitFor();
    await page.getByLabel('Resolution note (what was done)').fill('raised the db-proxy pool');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('alert').filter({ hasText: 'Refused (403)' }).waitFor();
    await shot('insight');
  });

  it('resolves an insight with a note under an admin key', async () => {
    const insight = propagation();
    await useKey(ADMIN);
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('resolution').filter({ hasText: 'raised the db-proxy pool' }).waitFor();
    const stored = await api()
      .get(`/api/debug/insights/${insight.id}`)
      .set('X-API-Key', READER)
      .expect(200);
    expect(stored.body).toMatchObject({
      status: 'resolved',
      resolution: 'raised the db-proxy pool',
    });
  });

  it('updates the inbox live when an insight changes (debug:insight)', async () => {
    const other = insights.find((insight) => insight.id !== propagation().id)!;
    await page.goto(`${running.url}/insights?status=open`);
    await page.getByTestId('live-status').filter({ hasText: 'live: live' }).waitFor();
    await page.getByRole('link', { name: other.title }).waitFor();
    await api()
      .put(`/api/debug/insights/${other.id}/resolve`)
      .set('X-API-Key', ADMIN)
      .send({ note: 'fixed elsewhere' })
      .expect(200);
    await page
      .getByRole('status')
      .filter({ hasText: `Live: resolved “${other.title}”` })
      .waitFor();
    await page.getByRole('link', { name: other.title }).waitFor({ state: 'detached' });
  });

  it('explores events: tiers shown, a filter narrows the list and lands in the URL, an event opens as JSON', async () => {
    await page.goto(`${running.url}/events?range=6h`);
    const summary = page.getByTestId('page-summary');
    await summary
      .filter({ hasText: /200 events loaded \(more available\) · tiers: warm 200/ })
      .waitFor();
    const levels = async () => page.locator('[data-testid="event-row"] .lvl').allTextContents();
    const components = async () =>
      page.locator('[data-testid="event-row"] .comp').allTextContents();
    expect(new Set(await components()).size).toBeGreaterThan(1);
    // Virtualised: of the 200 loaded rows only the visible ones (plus overscan) are in the DOM.
    expect(await page.getByTestId('event-row').count()).toBeLessThan(100);
    await page.getByLabel('Level').selectOption('error');
    await page.waitForURL(/level=error/);
    await page.getByLabel('Component id').fill('db-1');
    await page.getByLabel('Component id').press('Enter');
    await page.waitForURL(/component_id=db-1/);
    await summary.filter({ hasText: /^\d+ events loaded · tiers: warm \d+$/ }).waitFor();
    const filtered = await levels();
    expect(filtered.length).toBeGreaterThan(0);
    expect(new Set(filtered)).toEqual(new Set(['error']));
    expect(new Set(await components())).toEqual(new Set(['db-proxy/db-1']));
    await page.getByTestId('event-row').first().click();
    await page.getByTestId('event-tier').filter({ hasText: 'warm' }).waitFor();
    const json = JSON.parse((await page.getByLabel('Event JSON').textContent())!) as {
      level: string;
      component_id: string;
    };
    expect(json).toMatchObject({ level: 'error', component_id: 'db-1' });
    await shot('events');

    // Dragging across the histogram zooms the range: absolute from/to in the URL.
    const plot = (await page.locator('.chart .u-over').boundingBox())!;
    await page.mouse.move(plot.x + plot.width * 0.5, plot.y + plot.height / 2);
    await page.mouse.down();
    await page.mouse.move(plot.x + plot.width * 0.75, plot.y + plot.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(
      (url) =>
        url.searchParams.has('from') &&
        url.searchParams.has('to') &&
        !url.searchParams.has('range'),
    );
    const zoomed = new URL(page.url());
    const span =
      Date.parse(zoomed.searchParams.get('to')!) - Date.parse(zoomed.searchParams.get('from')!);
    expect(span).toBeGreaterThan(60 * 60_000);
    expect(span).toBeLessThan(2 * 60 * 60_000);
  });

  it('draws the histogram from server counts: every matching event of the range, not the loaded page', async () => {
    const from = scenario.from.toISOString();
    const to = scenario.to.toISOString();
    await page.goto(`${running.url}/events?from=${from}&to=${to}`);
    await page
      .getByTestId('page-summary')
      .filter({ hasText: /^200 events loaded \(more available\)/ })
      .waitFor();
    const counted = await api()
      .get('/api/debug/events/histogram')
      .query({ from, to, buckets: 80 })
      .set('X-API-Key', READER)
      .expect(200);
    expect(counted.body.total).toBeGreaterThan(200);
    await page
      .getByTestId('histogram-total')
      .filter({ hasText: new RegExp(`^${counted.body.total}$`) })
      .waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await page.getByText(/events, \d+ errors in buckets of/).click();
    const rows = await page
      .getByTestId('histogram-table')
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
    const nonEmpty = (counted.body.buckets as { start: string; count: number; errors: number }[])
      .filter((bucket) => bucket.count > 0)
      .map((bucket) => [
        bucket.start.replace('T', ' ').slice(0, 23),
        String(bucket.count),
        String(bucket.errors),
      ]);
    expect(rows).toEqual(nonEmpty);
    await shot('events-histogram');

    await page.getByLabel('Level').selectOption('error');
    await page.waitForURL(/level=error/);
    const errors = await api()
      .get('/api/debug/events/histogram')
      .query({ from, to, buckets: 80, level: 'error' })
      .set('X-API-Key', READER)
      .expect(200);
    expect(errors.body.total).toBeLessThan(counted.body.total);
    await page
      .getByTestId('histogram-total')
      .filter({ hasText: new RegExp(`^${errors.body.total}$`) })
      .waitFor();
  });

  it('tails events live over Socket.IO with the filters, and pauses and resumes', async () => {
    await page.goto(`${running.url}/events?component_type=console-probe&live=1`);
    await page
      .getByTestId('live-status')
      .filter({ hasText: /^live$/ })
      .waitFor();
    const post = (message: string, component_type = 'console-probe') =>
      api()
        .post('/api/debug/events')
        .set('X-API-Key', ADMIN)
        .send({
          event_type: 'log',
          level: 'info',
          component_type,
          component_id: 'probe-1',
          message,
        })
        .expect((response) => expect(response.status).toBeLessThan(300));
    await post('not for this filter', 'someone-else');
    await post('probe event posted during the test');
    await page
      .getByTestId('event-row')
      .filter({ hasText: 'probe event posted during the test' })
      .waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await post('probe event while paused');
    await page.getByRole('button', { name: 'Resume (1 waiting)' }).waitFor();
    expect(await page.getByTestId('event-row').filter({ hasText: 'while paused' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Resume (1 waiting)' }).click();
    await page.getByTestId('event-row').filter({ hasText: 'probe event while paused' }).waitFor();
    expect(
      await page.getByTestId('event-row').filter({ hasText: 'not for this filter' }).count(),
    ).toBe(0);
    await shot('live-tail');
  });

  it('draws an operation as a waterfall with the critical path and the probable root cause', async () => {
    const incident = scenario.incidents.find(
      (candidate) => candidate.name === 'error_propagation',
    )!;
    const correlationId = incident.correlationIds![0];
    await page.goto(`${running.url}/operations/${encodeURIComponent(correlationId)}`);
    const cause = page.getByTestId('root-cause');
    await cause.waitFor();
    expect(await cause.textContent()).toContain(
      `${incident.rootCause!.component.component_type}/${incident.rootCause!.component.component_id}`,
    );
    expect(await cause.textContent()).toContain(incident.rootCause!.message);
    expect(await page.getByTestId('waterfall-step').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.wf-row.critical').count()).toBeGreaterThanOrEqual(1);
    const causeStep = page.locator('.wf-row.cause');
    expect(await causeStep.count()).toBe(1);
    expect(await causeStep.textContent()).toContain(incident.rootCause!.component.component_id);
    await shot('operation');
  });

  it('shows patterns, state snapshots with a diff, an answer to a question and sessions', async () => {
    await page.goto(`${running.url}/patterns?range=6h`);
    const declined = page
      .getByTestId('pattern-row')
      .filter({ hasText: /checkout failed for order .*card declined/ });
    await declined.waitFor();
    expect(await declined.locator('td').nth(1).textContent()).toBe('6');
    await shot('patterns');

    await page.goto(`${running.url}/state?type=cache-node&id=cache-1`);
    await page.getByRole('heading', { name: /^v\d+ → v\d+: \d+ changes$/ }).waitFor();
    await shot('state');

    await page.goto(`${running.url}/ask`);
    await page.getByLabel('Question').fill('top errors in the last hour');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.getByTestId('answer').waitFor();
    expect((await page.getByTestId('answer').textContent())!.length).toBeGreaterThan(10);
    await shot('ask');

    await page.goto(`${running.url}/sessions`);
    await page.getByLabel('Name').fill('checkout incident');
    await page.getByRole('button', { name: 'Open a session' }).click();
    await page.getByRole('article', { name: 'Session checkout incident' }).waitFor();
    await page.waitForURL(/open=/);
    await shot('sessions');
  });
});
