import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import { componentKey } from '../src/insights/insight.types.js';
import { InsightRollupReader } from '../src/insights/insight-rollup.reader.js';
import { InsightRollupRefresher } from '../src/insights/insight-rollup.refresher.js';
import { InsightsService } from '../src/insights/insights.service.js';
import type { GenerationResult, InsightView } from '../src/insights/insight.types.js';
import { SEVERITY_RANK } from '../src/insights/insight.types.js';
import {
  type ShapeIncident,
  type ShapeName,
  SHAPES,
  writeShape,
} from './scenarios/traffic-shapes.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 10:00 UTC of yesterday: the last hour of the diurnal shape is the morning ramp. */
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 10 * HOUR);

const describeInsight = (insight: InsightView) =>
  `${insight.severity} ${insight.insight_type}/${insight.evidence.kind}: ${insight.title}`;

const seen = (result: GenerationResult) => [
  ...result.created,
  ...result.updated,
  ...result.regressed,
];

function matching(result: GenerationResult, incident: ShapeIncident): InsightView[] {
  return seen(result).filter(
    (insight) =>
      insight.insight_type === incident.expected.type &&
      insight.evidence.kind === incident.expected.kind &&
      insight.affected_components.length > 0 &&
      // the component the finding names first (most errors, the silent one, the root cause)
      componentKey(insight.affected_components[0]) === componentKey(incident.component),
  );
}

function shapeSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe.each(SHAPES)(`traffic shape %s (${mode})`, (shape: ShapeName) => {
    let app: INestApplication;
    let service: InsightsService;
    let written: Awaited<ReturnType<typeof writeShape>>;
    const normalRuns: { to: Date; result: GenerationResult }[] = [];
    let incidentRun: GenerationResult;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      service = app.get(InsightsService);
      written = await writeShape(app.get(DataSource), shape, { now: NOW, seed: 17 });
      // oldest first: each run's clock is its scope end, as the periodic job's would be
      for (const to of written.normalScopeEnds) {
        const from = new Date(to.getTime() - HOUR);
        normalRuns.push({ to, result: await service.generate({ from, to }, to) });
      }
      const to = written.now;
      incidentRun = await service.generate({ from: new Date(to.getTime() - HOUR), to }, to);
    }, 300_000);
    afterAll(async () => app?.close());

    it('runs every analyzer without error', () => {
      for (const { result } of [...normalRuns, { result: incidentRun }])
        for (const [name, stats] of Object.entries(result.analyzers))
          expect([name, stats.error]).toEqual([name, undefined]);
    });

    it('yields no insight above low severity on normal traffic', () => {
      const severe = normalRuns.flatMap(({ to, result }) =>
        seen(result)
          .filter(
            (insight) =>
              SEVERITY_RANK[insight.severity as keyof typeof SEVERITY_RANK] > SEVERITY_RANK.low,
          )
          .map((insight) => `scope to ${to.toISOString()}: ${describeInsight(insight)}`),
      );
      expect(severe).toEqual([]);
    });

    it('finds no stuck or propagating flow in normal traffic (events without correlation ids are no flows)', () => {
      const flows = normalRuns.flatMap(({ result }) =>
        seen(result)
          .filter((insight) => insight.insight_type === 'flow')
          .filter((insight) => insight.evidence.kind !== 'failed_step')
          .map(describeInsight),
      );
      expect(flows).toEqual([]);
    });

    it('finds the injected incident(s) with the right kind and component', () => {
      expect(written.incidents.length).toBeGreaterThan(0);
      for (const incident of written.incidents) {
        const found = matching(incidentRun, incident);
        if (found.length === 0)
          throw new Error(
            `${incident.name} not found among:\n${seen(incidentRun).map(describeInsight).join('\n')}`,
          );
        for (const insight of found) {
          expect(SEVERITY_RANK[insight.severity as keyof typeof SEVERITY_RANK]).toBeGreaterThan(
            SEVERITY_RANK.low,
          );
          if (incident.path) {
            const chain = insight.evidence.chain as {
              path: { component: { component_id: string } }[];
            };
            expect(chain.path.map((step) => step.component.component_id)).toEqual(incident.path);
            const rootCause = insight.evidence.root_cause as { event_id: string };
            expect(incident.eventIds).toContain(rootCause.event_id);
          }
          if (shape === 'daily_peak') {
            // compared with the same time on the 4 earlier days (read from debug_events here:
            // the rollups began with the first run), and far above it
            expect(insight.evidence.seasonal_days).toBe(4);
            expect(insight.evidence.seasonal_level).toBeGreaterThan(0);
            expect(insight.evidence.observed as number).toBeGreaterThanOrEqual(
              4 * (insight.evidence.seasonal_level as number),
            );
          }
          const ids = (insight.evidence.event_ids as string[] | undefined) ?? [];
          if (incident.eventIds.length > 0 && insight.insight_type === 'error')
            expect(ids.filter((id) => incident.eventIds.includes(id)).length).toBeGreaterThan(0);
        }
      }
    });
  });

  describe(`daily_peak with the rollups kept over the earlier days (${mode})`, () => {
    let app: INestApplication;
    let service: InsightsService;
    let seasonalReads = 0;
    let written: Awaited<ReturnType<typeof writeShape>>;
    const normalRuns: { to: Date; result: GenerationResult }[] = [];
    let incidentRun: GenerationResult;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      service = app.get(InsightsService);
      written = await writeShape(app.get(DataSource), 'daily_peak', { now: NOW, seed: 23 });
      // as after a week of the periodic job: everything before the first scope rolled up
      const first = written.normalScopeEnds[0];
      await app
        .get(InsightRollupRefresher, { strict: false })
        .ensure(new Date(written.now.getTime() - 5 * DAY), first, first);
      // counted, not replaced: the run still reads the real rollups
      const reader = app.get(InsightRollupReader, { strict: false });
      const read = reader.seasonalMinutes.bind(reader);
      reader.seasonalMinutes = (...args) => {
        seasonalReads++;
        return read(...args);
      };
      for (const to of written.normalScopeEnds)
        normalRuns.push({
          to,
          result: await service.generate({ from: new Date(to.getTime() - HOUR), to }, to),
        });
      const to = written.now;
      incidentRun = await service.generate({ from: new Date(to.getTime() - HOUR), to }, to);
    }, 300_000);
    afterAll(async () => app?.close());

    it('reads the earlier days from the rollups and finds no anomaly above low in the daily rush', () => {
      expect(seasonalReads).toBeGreaterThan(0);
      const severe = normalRuns.flatMap(({ to, result }) =>
        seen(result)
          .filter((insight) => insight.severity !== 'low' && insight.severity !== 'info')
          .map((insight) => `scope to ${to.toISOString()}: ${describeInsight(insight)}`),
      );
      expect(severe).toEqual([]);
    });

    it('judges runs scoped to a component the same way, from debug_events within the scope', async () => {
      const api = { component_type: 'shift-api', component_id: 'api-1' };
      // the unscoped runs stored these findings already: a repeat would be "unchanged", unseen
      await app.get(DataSource).query('DELETE FROM debug_insights');
      const rush = written.normalScopeEnds[1];
      const normal = await service.generate(
        { from: new Date(rush.getTime() - HOUR), to: rush, components: [api] },
        rush,
      );
      expect(
        seen(normal)
          .filter((insight) => insight.severity !== 'low' && insight.severity !== 'info')
          .map(describeInsight),
      ).toEqual([]);
      const to = written.now;
      const storm = await service.generate(
        { from: new Date(to.getTime() - HOUR), to, components: [api] },
        to,
      );
      const spike = seen(storm).find(
        (insight) => insight.insight_type === 'anomaly' && insight.evidence.kind === 'spike',
      );
      expect(spike?.evidence).toMatchObject({ component: api, seasonal_days: 4 });
    });

    it('flags the rush that is far above its usual level, with the seasonal numbers', () => {
      const [incident] = written.incidents;
      const [found] = matching(incidentRun, incident);
      expect(found).toBeDefined();
      expect(SEVERITY_RANK[found.severity as keyof typeof SEVERITY_RANK]).toBeGreaterThan(
        SEVERITY_RANK.low,
      );
      expect(found.evidence.seasonal_days).toBe(4);
      expect(found.evidence.seasonal_level).toBeGreaterThan(0);
      expect(found.evidence.seasonal_day_levels).toHaveLength(4);
      expect(found.evidence.observed as number).toBeGreaterThanOrEqual(
        4 * (found.evidence.seasonal_level as number),
      );
    });
  });
}

// The analyzers only read SQL: PostgreSQL with the in-process queue keeps these runs independent of Redis.
describeWithPostgres('PostgreSQL', () => {
  shapeSuite('PostgreSQL', async () => ({
    ...(await fullModeEnv()),
    DEBUG_REDIS_ENABLED: 'false',
  }));
});

shapeSuite('SQLite', async () => embeddedEnv());
