import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import {
  type DebugEventRecord,
  errorEventSql,
  EVENT_TYPES,
  isErrorEvent,
  LEVELS,
} from '../src/common/debug-event.js';
import { newId } from '../src/common/ids.js';
import { InsightAggregatesRepository } from '../src/insights/insight-aggregates.repository.js';
import { InsightRollupReader } from '../src/insights/insight-rollup.reader.js';
import { InsightRollupRefresher } from '../src/insights/insight-rollup.refresher.js';
import { gridFor } from '../src/insights/insights.service.js';
import { QueryRepository } from '../src/query/query.repository.js';
import { eventRecord } from './factories/events.js';
import { insertScenario } from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const MINUTE_MS = 60_000;

/** One event of every level × event type, each on a component of its own, ten minutes before `to`. */
function everyCombination(to: Date): DebugEventRecord[] {
  return LEVELS.flatMap((level, i) =>
    EVENT_TYPES.map((event_type, j) => {
      const at = new Date(to.getTime() - 10 * MINUTE_MS + (i * EVENT_TYPES.length + j) * 1000);
      return eventRecord({
        id: newId(at),
        timestamp: at.toISOString(),
        level,
        event_type,
        component_type: 'vocabulary',
        component_id: `${level}-${event_type}`,
        correlation_id: `chain-${level}-${event_type}`,
        message: `${level} ${event_type}`,
        pattern_id: `pattern-${level}-${event_type}`,
      });
    }),
  );
}

function vocabularySuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`one meaning of "error" (${mode})`, () => {
    let app: INestApplication;
    let events: DebugEventRecord[];
    let to: Date;
    const expectedErrors = () =>
      events
        .filter(isErrorEvent)
        .map((event) => event.component_id)
        .sort();

    beforeAll(async () => {
      app = await createApp(await env());
      await app.init();
      to = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
      events = everyCombination(to);
      await insertScenario(app.get(DataSource), { events, snapshots: [] });
    }, 120_000);
    afterAll(async () => app?.close());

    it('selects in SQL exactly the events isErrorEvent calls errors', async () => {
      const rows: { component_id: string }[] = await app
        .get(DataSource)
        .query(
          `SELECT e.component_id FROM debug_events e WHERE ${errorEventSql('e.')} ORDER BY e.component_id`,
        );
      expect(rows.map((row) => row.component_id).sort()).toEqual(expectedErrors());
      expect(expectedErrors()).toContain('info-error');
    });

    it('counts the same errors in component health as in the insight aggregates and rollups', async () => {
      const scope = { from: new Date(to.getTime() - 60 * MINUTE_MS), to };
      const grid = gridFor(scope);
      const stats = await app
        .get(QueryRepository)
        .windowStats(
          { selector: 'vocabulary', component_type: 'vocabulary', component_id: null },
          scope,
        );
      expect(stats.errors).toBe(expectedErrors().length);

      const erroring = (series: { key: string; errors: number[] }[]) =>
        series
          .filter((item) => item.errors.some((count) => count > 0))
          .map((item) => item.key.replace('component:vocabulary/', ''))
          .sort();
      const raw = app.get(InsightAggregatesRepository);
      expect(erroring(await raw.componentSeries(scope, grid))).toEqual(expectedErrors());
      const rollups = app.get(InsightRollupReader);
      const refresher = app.get(InsightRollupRefresher);
      await refresher.ensure(grid.origin, grid.to);
      expect(erroring(await rollups.componentSeries(grid))).toEqual(expectedErrors());

      const errorGroups = (rows: { component: { component_id: string } }[]) =>
        rows.map((row) => row.component.component_id).sort();
      expect(errorGroups(await raw.errorPatterns(scope, grid.origin))).toEqual(expectedErrors());
      expect(errorGroups(await rollups.errorPatterns(scope.from, scope.to, grid.origin))).toEqual(
        expectedErrors(),
      );
      const levelOf = async (componentId: string) =>
        (await rollups.errorPatterns(scope.from, scope.to, grid.origin)).find(
          (row) => row.component.component_id === componentId,
        )?.levels;
      expect(await levelOf('info-error')).toBe('error');
      expect(await levelOf('critical-log')).toBe('critical');
    });
  });
}

vocabularySuite('SQLite', async () => embeddedEnv());
describeWithPostgres('on PostgreSQL', () => vocabularySuite('PostgreSQL', () => fullModeEnv()));
