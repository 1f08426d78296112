import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { newId } from '../src/common/ids.js';
import { eventRecord } from './factories/events.js';
import {
  type BucketSeries,
  type DurationMomentsRow,
  type ErrorPatternRow,
  InsightAggregatesRepository,
} from '../src/insights/insight-aggregates.repository.js';
import { InsightRollupReader } from '../src/insights/insight-rollup.reader.js';
import { InsightRollupRefresher } from '../src/insights/insight-rollup.refresher.js';
import { gridFor } from '../src/insights/insights.service.js';
import { LateEventMinutes } from '../src/insights/late-event-minutes.js';
import {
  readSeriesHours,
  ROLLUP_OVERLAP_MS,
  type SeriesHour,
} from '../src/insights/insight-rollup-tables.js';
import { RollupHourCache } from '../src/insights/insight-hour-cache.js';
import {
  insertScenario,
  writeScenario,
  type WrittenScenario,
} from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';
import { toDate } from '../src/database/sql/row-values.js';
import { SqlBuilder } from '../src/database/sql/statement.js';

const byKey = (series: BucketSeries[]) =>
  Object.fromEntries(
    series.map((item) => [item.key, { counts: item.counts, errors: item.errors }]),
  );
const sortedBy = <T>(rows: T[], key: (row: T) => string) =>
  [...rows].sort((a, b) => key(a).localeCompare(key(b)));
const errorKey = (row: ErrorPatternRow) =>
  `${row.patternId}|${row.component.component_type}/${row.component.component_id}|${row.inScope}`;
const momentsKey = (row: DurationMomentsRow) =>
  `${row.component.component_type}/${row.component.component_id}|${row.operation}`;
/** Moments are float sums, added in another order than the raw aggregates': compared to a few digits. */
const rounded = (rows: DurationMomentsRow[]) =>
  sortedBy(rows, momentsKey).map((row) => ({
    key: momentsKey(row),
    current: {
      n: row.current.n,
      sum: Math.round(row.current.sum),
      squares: Math.round(row.current.squares / 10),
    },
    previous: {
      n: row.previous.n,
      sum: Math.round(row.previous.sum),
      squares: Math.round(row.previous.squares / 10),
    },
  }));

/**
 * Stores an event long after its time, noted late as the ingest write path does, and refreshes
 * the rollups on `instance`: its minute, and only it, is aggregated again.
 */
async function storeLateAndRefresh(
  instance: INestApplication,
  event: DebugEventRecord,
  grid: ReturnType<typeof gridFor>,
  clock: Date,
): Promise<void> {
  await insertScenario(instance.get(DataSource), { snapshots: [], events: [event] });
  await instance.get(LateEventMinutes).note([event]);
  const result = await instance.get(InsightRollupRefresher).ensure(grid.origin, grid.to, clock);
  expect(result.aggregated).toHaveLength(1);
}

/** `shared`: the database serves more than one service instance (PostgreSQL). */
function rollupSuite(mode: string, env: () => Promise<Record<string, string>>, shared = false) {
  describe(`insight rollups (${mode})`, () => {
    let app: INestApplication;
    let scenario: WrittenScenario;
    let settings: Record<string, string>;

    beforeAll(async () => {
      settings = await env();
      app = await createApp({ ...settings, DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      scenario = await writeScenario(app.get(DataSource), { seed: 9 });
    }, 120_000);
    afterAll(async () => app?.close());

    it('gives the same per-bucket counts as aggregating debug_events directly', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupReader);
      const refresher = app.get(InsightRollupRefresher);
      const raw = app.get(InsightAggregatesRepository);
      const first = await refresher.ensure(grid.origin, grid.to);
      expect(first.aggregated).toHaveLength(1);
      expect(byKey(await rollups.componentSeries(grid))).toEqual(
        byKey(await raw.componentSeries(scope, grid)),
      );
      expect(byKey(await rollups.patternSeries(grid))).toEqual(
        byKey(await raw.patternSeries(scope, grid)),
      );
      const again = await refresher.ensure(grid.origin, grid.to);
      expect(again.aggregated).toEqual([]);
    });

    it('gives the same error groups, duration moments and problem chains as aggregating debug_events directly', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupReader);
      const refresher = app.get(InsightRollupRefresher);
      const raw = app.get(InsightAggregatesRepository);
      await refresher.ensure(grid.origin, grid.to);

      const rawErrors = await raw.errorPatterns(scope, grid.origin);
      expect(rawErrors.length).toBeGreaterThan(0);
      const rolledErrors = await rollups.errorPatterns(scope.from, scope.to, grid.origin);
      const comparable = (rows: ErrorPatternRow[]) =>
        sortedBy(rows, errorKey).map((row) => ({
          ...row,
          levels: row.levels.split(',').sort().join(','),
        }));
      expect(comparable(rolledErrors)).toEqual(comparable(rawErrors));
      // runs a minute apart sum the baseline's whole hours once (kept while the same hours are
      // whole there) and cut the boundary hours per run: each still agrees with debug_events
      expect(scope.from.getTime() - grid.origin.getTime()).toBeGreaterThanOrEqual(3 * 3_600_000);
      // the kept sum is used only when two or more hours with errors lie whole in the baseline:
      // the scenario's background errors (declined cards) put some in every hour, whatever the
      // minute the test runs at; checked, so that a scenario without them is seen, not passed
      const errorTimes = (await app
        .get(DataSource)
        .query(
          `SELECT "timestamp" AS at FROM debug_events WHERE level IN ('error', 'critical') OR event_type = 'error'`,
        )) as { at: unknown }[];
      const wholeBaselineHours = new Set(
        errorTimes
          .map(({ at }) => Math.floor(toDate(at).getTime() / 3_600_000) * 3_600_000)
          .filter(
            (hour) => hour >= grid.origin.getTime() && hour + 3_600_000 <= scope.from.getTime(),
          ),
      );
      expect(wholeBaselineHours.size).toBeGreaterThanOrEqual(2);
      for (const minutes of [1, 1, 2, 7]) {
        const shifted = {
          from: new Date(scope.from.getTime() - minutes * 60_000),
          to: new Date(scope.to.getTime() - minutes * 60_000),
        };
        const shiftedOrigin = gridFor(shifted).origin;
        expect(
          comparable(await rollups.errorPatterns(shifted.from, shifted.to, shiftedOrigin)),
        ).toEqual(comparable(await raw.errorPatterns(shifted, shiftedOrigin)));
      }
      // a shorter baseline: other hours are whole on its side
      for (const minutes of [61, 125, 10, 30, 61]) {
        const baselineFrom = new Date(grid.origin.getTime() + minutes * 60_000);
        expect(comparable(await rollups.errorPatterns(scope.from, scope.to, baselineFrom))).toEqual(
          comparable(await raw.errorPatterns(scope, baselineFrom)),
        );
      }

      const previousFrom = new Date(
        scope.from.getTime() - (scope.to.getTime() - scope.from.getTime()),
      );
      const rawMoments = await raw.durationMoments(scope, previousFrom);
      expect(rawMoments.length).toBeGreaterThan(0);
      expect(rounded(await rollups.durationMoments(scope.from, scope.to, previousFrom))).toEqual(
        rounded(rawMoments),
      );

      const stuckBefore = new Date(scope.to.getTime() - 5 * 60_000);
      const rawChains = await raw.problemChains(scope, stuckBefore, 2000);
      expect(rawChains.some((chain) => chain.errors > 0)).toBe(true);
      expect(rawChains.some((chain) => chain.hasStart && !chain.hasEnd)).toBe(true);
      const chainKey = (row: { correlationId: string }) => row.correlationId;
      expect(
        sortedBy(await rollups.problemChains(scope.from, scope.to, stuckBefore, 2000), chainKey),
      ).toEqual(sortedBy(rawChains, chainKey));
    });

    it('re-aggregates only the recent minutes, picking up events that arrived a little late', async () => {
      const later = new Date(scenario.to.getTime() + 120_000);
      const late = new Date(scenario.to.getTime() - 40_000);
      const component = { component_type: 'late-service', component_id: 'late-1' };
      await insertScenario(app.get(DataSource), {
        snapshots: [],
        events: [late, new Date(scenario.to.getTime() + 30_000)].map((at) =>
          eventRecord({
            id: newId(at),
            timestamp: at.toISOString(),
            level: 'error',
            ...component,
            message: 'arrived late',
            pattern_id: 'late-pattern',
          }),
        ),
      });
      const scope = { from: new Date(later.getTime() - 3_600_000), to: later };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupReader);
      const refresher = app.get(InsightRollupRefresher);
      const result = await refresher.ensure(grid.origin, grid.to);
      expect(result.aggregated).toEqual([
        {
          from: new Date(scenario.to.getTime() - ROLLUP_OVERLAP_MS).toISOString(),
          to: later.toISOString(),
        },
      ]);
      const series = (await rollups.componentSeries(grid)).find(
        (item) => item.key === 'component:late-service/late-1',
      )!;
      expect(series.counts.reduce((sum, count) => sum + count, 0)).toBe(2);
      expect(series.errors.reduce((sum, count) => sum + count, 0)).toBe(2);
      expect(byKey(await rollups.componentSeries(grid))).toEqual(
        byKey(await app.get(InsightAggregatesRepository).componentSeries(scope, grid)),
      );
      const lateErrors = (await rollups.errorPatterns(scope.from, scope.to, grid.origin)).filter(
        (row) => row.patternId === 'late-pattern',
      );
      expect(lateErrors.map((row) => row.count)).toEqual([2]);
    });

    it('aggregates again the minutes of events stored long after their time, and only those', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupReader);
      const refresher = app.get(InsightRollupRefresher);
      await refresher.ensure(grid.origin, grid.to, scenario.to);
      const minute = new Date(scenario.to.getTime() - 40 * 60_000);
      const correlationId = 'late-chain';
      const lateEvents: DebugEventRecord[] = [0, 1].map((step) =>
        eventRecord({
          id: newId(new Date(minute.getTime() + step)),
          timestamp: new Date(minute.getTime() + 1_000 + step).toISOString(),
          level: step === 1 ? 'error' : 'info',
          component_type: step === 1 ? 'late-db' : 'late-api',
          component_id: 'late-2',
          correlation_id: correlationId,
          operation: 'late-op',
          duration_ms: 1_000,
          message: 'stored 40 minutes late',
          data: { phase: step === 0 ? 'start' : 'failed' },
          pattern_id: 'late-pattern-2',
        }),
      );
      await insertScenario(app.get(DataSource), { snapshots: [], events: lateEvents });
      // What the ingest write path does once a batch is committed.
      await app.get(LateEventMinutes).note(lateEvents);
      const result = await refresher.ensure(grid.origin, grid.to, scenario.to);
      expect(result.aggregated).toEqual([
        { from: minute.toISOString(), to: new Date(minute.getTime() + 60_000).toISOString() },
      ]);
      const series = (await rollups.componentSeries(grid)).find(
        (item) => item.key === 'component:late-db/late-2',
      )!;
      expect(series.errors.reduce((sum, count) => sum + count, 0)).toBe(1);
      const errors = (await rollups.errorPatterns(scope.from, scope.to, grid.origin)).filter(
        (row) => row.patternId === 'late-pattern-2',
      );
      expect(errors.map((row) => [row.component.component_type, row.count, row.inScope])).toEqual([
        ['late-db', 1, true],
      ]);
      const chains = await rollups.problemChains(
        scope.from,
        scope.to,
        new Date(scope.to.getTime() - 300_000),
        5000,
      );
      expect(chains.find((chain) => chain.correlationId === correlationId)).toMatchObject({
        events: 2,
        errors: 1,
        hasStart: true,
        hasEnd: true,
      });
      const moments = await rollups.durationMoments(
        scope.from,
        scope.to,
        new Date(scope.from.getTime() - 3_600_000),
      );
      expect(
        moments.filter((row) => row.operation === 'late-op').map((row) => row.current),
      ).toEqual([
        { n: 1, sum: 1000, squares: 1_000_000 },
        { n: 1, sum: 1000, squares: 1_000_000 },
      ]);
      expect((await refresher.ensure(grid.origin, grid.to, scenario.to)).aggregated).toEqual([]);
    });

    it('splices late minutes into the stored hour rows of existing series and still agrees with debug_events', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupReader);
      const refresher = app.get(InsightRollupRefresher);
      const raw = app.get(InsightAggregatesRepository);
      const dataSource = app.get(DataSource);
      await refresher.ensure(grid.origin, grid.to, scenario.to);
      // a minute in the middle of the scope gains events of a series that already has a row there
      const minute = new Date(scenario.to.getTime() - 37 * 60_000);
      const candidates: Record<string, unknown>[] = await dataSource.query(
        `SELECT component_type, component_id, operation, pattern_id, "timestamp" FROM debug_events
          WHERE operation IS NOT NULL AND duration_ms IS NOT NULL AND pattern_id IS NOT NULL`,
      );
      const template = candidates.find((row) => {
        const at = toDate(row.timestamp).getTime();
        return at >= scope.from.getTime() && at < minute.getTime() - 60_000;
      })!;
      expect(template).toBeDefined();
      const lateEvents: DebugEventRecord[] = [0, 1, 2].map((step) =>
        eventRecord({
          id: newId(new Date(minute.getTime() + step)),
          timestamp: new Date(minute.getTime() + 2_000 + step).toISOString(),
          level: step === 2 ? 'error' : 'info',
          component_type: String(template.component_type),
          component_id: String(template.component_id),
          operation: String(template.operation),
          duration_ms: 123.25 + step,
          message: 'spliced late',
          pattern_id: String(template.pattern_id),
        }),
      );
      await insertScenario(dataSource, { snapshots: [], events: lateEvents });
      // and another minute loses all its events (its rows' minutes become zero)
      const emptied = new Date(scenario.to.getTime() - 47 * 60_000);
      const sql = new SqlBuilder(rollups.dialect);
      await dataSource.query(
        `DELETE FROM debug_events WHERE "timestamp" >= ${sql.time(emptied)} AND "timestamp" < ${sql.time(new Date(emptied.getTime() + 60_000))}`,
        sql.params,
      );
      await app
        .get(LateEventMinutes)
        .note([
          ...lateEvents,
          { ...lateEvents[0], timestamp: new Date(emptied.getTime() + 1).toISOString() },
        ]);
      const result = await refresher.ensure(grid.origin, grid.to, scenario.to);
      expect(result.aggregated).toHaveLength(2);

      expect(byKey(await rollups.componentSeries(grid))).toEqual(
        byKey(await raw.componentSeries(scope, grid)),
      );
      expect(byKey(await rollups.patternSeries(grid))).toEqual(
        byKey(await raw.patternSeries(scope, grid)),
      );
      const previousFrom = new Date(
        scope.from.getTime() - (scope.to.getTime() - scope.from.getTime()),
      );
      expect(rounded(await rollups.durationMoments(scope.from, scope.to, previousFrom))).toEqual(
        rounded(await raw.durationMoments(scope, previousFrom)),
      );
      // the moments of a window that starts right after the spliced minute
      const after = new Date(minute.getTime() + 60_000);
      const rolledAfter = sortedBy(
        await rollups.durationMoments(after, scope.to, minute),
        momentsKey,
      );
      const rawAfter = sortedBy(
        await raw.durationMoments({ from: after, to: scope.to }, minute),
        momentsKey,
      );
      expect(rolledAfter.map(momentsKey)).toEqual(rawAfter.map(momentsKey));
      rolledAfter.forEach((row, index) => {
        for (const window of ['current', 'previous'] as const) {
          expect(row[window].n).toBe(rawAfter[index][window].n);
          expect(Math.abs(row[window].sum - rawAfter[index][window].sum)).toBeLessThan(0.01);
          expect(Math.abs(row[window].squares - rawAfter[index][window].squares)).toBeLessThan(0.5);
        }
      });
    });

    it('writes to the table what it keeps in memory: minutes spliced into held rows, and whole rows when the table lost one', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const refresher = app.get(InsightRollupRefresher);
      const cache = app.get(RollupHourCache);
      const dataSource = app.get(DataSource);
      const dialect = app.get(InsightRollupReader).dialect;
      await refresher.ensure(grid.origin, grid.to, scenario.to);
      const hourStart = Math.floor((scenario.to.getTime() - 20 * 60_000) / 3_600_000) * 3_600_000;
      const hourOf = (rows: SeriesHour[]) =>
        new Map(rows.filter((row) => row.hourStart === hourStart).map((row) => [row.key, row]));
      // Float sums of the same events differ in their last bits with the order they were added in,
      // and a minute whose duration sums moved less than the refresher's tolerance (0.001, squares
      // 0.1) is not written again: counts exact, sums within that.
      const expectSameRows = (table: Map<string, SeriesHour>, memory: Map<string, SeriesHour>) => {
        expect([...table.keys()].sort()).toEqual([...memory.keys()].sort());
        const within = (a: number[] | null, b: number[] | null, tolerance: number) =>
          a === null || b === null
            ? a === b
            : a.length === b.length &&
              a.every((value, slot) => Math.abs(value - b[slot]) <= tolerance);
        for (const [key, row] of table) {
          const held = memory.get(key)!;
          expect({ key, counts: row.counts, errors: row.errors }).toEqual({
            key,
            counts: held.counts,
            errors: held.errors,
          });
          expect({ key, sums: within(row.sums, held.sums, 1e-3) }).toEqual({ key, sums: true });
          expect({ key, squares: within(row.squares, held.squares, 0.1) }).toEqual({
            key,
            squares: true,
          });
        }
      };
      const inMemory = async () => {
        const [hour] = await cache.hours(new Date(hourStart), new Date(hourStart + 1));
        return hourOf([...hour.series.component, ...hour.series.pattern, ...hour.series.duration]);
      };
      const inTable = async () =>
        hourOf(
          await readSeriesHours(
            dataSource,
            dialect,
            null,
            new Date(hourStart),
            new Date(hourStart + 3_600_000),
          ),
        );
      const template = (
        (await dataSource.query(
          `SELECT component_type, component_id, operation, pattern_id FROM debug_events
            WHERE operation IS NOT NULL AND duration_ms IS NOT NULL AND pattern_id IS NOT NULL`,
        )) as Record<string, unknown>[]
      )[0];
      const lateAt = async (minuteOfHour: number, duration: number) => {
        const at = new Date(hourStart + minuteOfHour * 60_000 + 1_500);
        const event = eventRecord({
          id: newId(at),
          timestamp: at.toISOString(),
          level: 'error',
          component_type: String(template.component_type),
          component_id: String(template.component_id),
          operation: String(template.operation),
          duration_ms: duration,
          message: 'written to the table',
          pattern_id: String(template.pattern_id),
        });
        await storeLateAndRefresh(app, event, grid, scenario.to);
      };

      // minutes of held rows: the table's rows change in those minutes only, as in memory
      await lateAt(11, 321.5);
      const spliced = await inMemory();
      expect(spliced.size).toBeGreaterThan(3);
      expectSameRows(await inTable(), spliced);

      // a row the table lost behind the refresher's back (memory still holds it) is written whole
      // the late events' duration series: its minutes change again below, so the refresh writes it
      const [held] = await cache.hours(new Date(hourStart), new Date(hourStart + 1));
      const durationKey = held.series.duration.find(
        (row) =>
          row.componentType === template.component_type &&
          row.componentId === template.component_id &&
          row.operation === template.operation,
      )!.key;
      const sql = new SqlBuilder(dialect);
      await dataSource.query(
        `DELETE FROM debug_insight_series_hours WHERE series_key = ${sql.p(durationKey)} AND hour_start = ${sql.time(new Date(hourStart))}`,
        sql.params,
      );
      await lateAt(12, 17.25);
      const rewritten = await inMemory();
      expect(rewritten.get(durationKey)).toBeDefined();
      expectSameRows(await inTable(), rewritten);
      const previousFrom = new Date(
        scope.from.getTime() - (scope.to.getTime() - scope.from.getTime()),
      );
      expect(
        rounded(
          await app.get(InsightRollupReader).durationMoments(scope.from, scope.to, previousFrom),
        ),
      ).toEqual(
        rounded(await app.get(InsightAggregatesRepository).durationMoments(scope, previousFrom)),
      );
    });

    if (shared) {
      it('keeps hours in memory only while no other instance on the database rewrote them', async () => {
        const second = await createApp({ ...settings, DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
        await second.init();
        try {
          const scope = { from: scenario.from, to: scenario.to };
          const grid = gridFor(scope);
          const reader = app.get(InsightRollupReader);
          const raw = app.get(InsightAggregatesRepository);
          const hourStart =
            Math.floor((scenario.to.getTime() - 30 * 60_000) / 3_600_000) * 3_600_000;
          const component = { component_type: 'shared-db', component_id: 'shared-1' };
          const lateAt = async (instance: INestApplication, minuteOfHour: number) => {
            const at = new Date(hourStart + minuteOfHour * 60_000 + 1_000);
            const event = eventRecord({
              id: newId(at),
              timestamp: at.toISOString(),
              level: 'error',
              ...component,
              message: 'written by one instance, read by the other',
              pattern_id: 'shared-pattern',
            });
            await storeLateAndRefresh(instance, event, grid, scenario.to);
          };
          const sharedCounts = async () =>
            (await reader.componentSeries(grid))
              .find((item) => item.key === 'component:shared-db/shared-1')
              ?.counts.reduce((sum, count) => sum + count, 0);

          // this instance rolls the hour up and reads it (now in memory in both of its parts)
          await lateAt(app, 5);
          expect(await sharedCounts()).toBe(1);
          // the other instance rewrites the same hour
          await lateAt(second, 6);
          expect(await sharedCounts()).toBe(2);
          expect(
            (await reader.errorPatterns(scope.from, scope.to, grid.origin))
              .filter((row) => row.patternId === 'shared-pattern')
              .reduce((sum, row) => sum + row.count, 0),
          ).toBe(2);
          // this instance's next refresh of the hour merges into the other's rows, not its own
          await lateAt(app, 7);
          expect(await sharedCounts()).toBe(3);
          expect(byKey(await reader.componentSeries(grid))).toEqual(
            byKey(await raw.componentSeries(scope, grid)),
          );
        } finally {
          await second.close();
        }
      });
    }
  });
}

describeWithPostgres('PostgreSQL', () => {
  rollupSuite(
    'PostgreSQL',
    async () => ({
      ...(await fullModeEnv()),
      DEBUG_REDIS_ENABLED: 'false',
    }),
    true,
  );
});
rollupSuite('SQLite', async () => embeddedEnv());
