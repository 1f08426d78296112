import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import type { ComponentRef } from '../src/database/entities/debug-insight.entity.js';
import { judgeLearnedFlows } from '../src/insights/analyzers/flow.analyzer.js';
import { learnShapes } from '../src/insights/analyzers/flow-shapes.js';
import { InsightAggregatesRepository } from '../src/insights/insight-aggregates.repository.js';
import { InsightRollupReader } from '../src/insights/insight-rollup.reader.js';
import { InsightSettings } from '../src/insights/insight-settings.js';
import { PatternStatsService } from '../src/patterns/pattern-stats.service.js';
import { InsightsService } from '../src/insights/insights.service.js';
import type { GenerationResult, InsightView } from '../src/insights/insight.types.js';
import { SEVERITY_RANK } from '../src/insights/insight.types.js';
import {
  type IncidentName,
  INCIDENTS,
  writeScenario,
  type WrittenScenario,
} from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const has = (insight: InsightView, component: ComponentRef) =>
  insight.affected_components.some(
    (affected) =>
      affected.component_type === component.component_type &&
      affected.component_id === component.component_id,
  );

function findingsFor(
  result: GenerationResult,
  scenario: WrittenScenario,
  name: IncidentName,
): InsightView[] {
  const incident = scenario.incidents.find((candidate) => candidate.name === name)!;
  return [...result.created, ...result.updated, ...result.regressed].filter(
    (insight) =>
      insight.insight_type === incident.expected.type &&
      insight.evidence.kind === incident.expected.kind &&
      incident.components.every((component) => has(insight, component)),
  );
}

function scenarioSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`insight scenarios (${mode})`, () => {
    let app: INestApplication;
    let service: InsightsService;
    let scenario: WrittenScenario;
    let result: GenerationResult;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      service = app.get(InsightsService);
      scenario = await writeScenario(app.get(DataSource), { seed: 7 });
      result = await service.generate({ from: scenario.from, to: scenario.to }, scenario.to);
    }, 180_000);
    afterAll(async () => app?.close());

    it('runs every analyzer without error', () => {
      for (const [name, stats] of Object.entries(result.analyzers))
        expect([name, stats.error]).toEqual([name, undefined]);
      expect(Object.keys(result.analyzers).sort()).toEqual([
        'anomaly',
        'consistency',
        'error-pattern',
        'flow',
        'performance',
      ]);
    });

    it.each(INCIDENTS)('finds the injected %s with the right type and components', (name) => {
      const found = findingsFor(result, scenario, name);
      if (found.length === 0) {
        const summary = result.created.map(
          (insight) => `${insight.insight_type}/${insight.evidence.kind} ${insight.title}`,
        );
        throw new Error(`${name} not found among:\n${summary.join('\n')}`);
      }
      for (const insight of found) {
        expect(insight.confidence).toBeGreaterThan(0);
        expect(insight.confidence).toBeLessThanOrEqual(1);
        expect(Object.keys(insight.confidence_factors).sort()).toEqual([
          'corroboration',
          'effect_size',
          'recency',
          'sample_size',
        ]);
        expect(insight.summary.length).toBeGreaterThan(40);
        expect(insight.suggestions.length).toBeGreaterThan(0);
        expect(
          SEVERITY_RANK[insight.severity as keyof typeof SEVERITY_RANK],
        ).toBeGreaterThanOrEqual(SEVERITY_RANK.low);
      }
    });

    it('names the earliest error of the propagated chain as the root cause', () => {
      const incident = scenario.incidents.find(
        (candidate) => candidate.name === 'error_propagation',
      )!;
      const [insight] = findingsFor(result, scenario, 'error_propagation');
      const rootCause = insight.evidence.root_cause as {
        component: ComponentRef;
        event_id: string;
        message: string;
      };
      expect(rootCause.component).toEqual(incident.rootCause!.component);
      expect(rootCause.message).toMatch(/connection pool exhausted/);
      expect(incident.eventIds).toContain(rootCause.event_id);
      const chain = insight.evidence.chain as { path: { component: ComponentRef }[] };
      expect(chain.path.map((step) => step.component.component_id)).toEqual([
        'db-1',
        'inv-1',
        'orders-2',
      ]);
      expect(insight.severity).toBe('high');
    });

    it('reports the burst with expected, observed and its events', () => {
      const incident = scenario.incidents.find((candidate) => candidate.name === 'error_burst')!;
      const [insight] = findingsFor(result, scenario, 'error_burst');
      expect(insight.evidence.observed as number).toBeGreaterThanOrEqual(40);
      expect(insight.evidence.expected as number).toBeLessThan(5);
      const ids = insight.evidence.event_ids as string[];
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.every((id) => incident.eventIds.includes(id))).toBe(true);
    });

    it('gives the regression its percentiles and the critical path of the slowest chain', () => {
      const [insight] = findingsFor(result, scenario, 'latency_regression');
      const evidence = insight.evidence as {
        operation: string;
        current: { p95_ms: number };
        previous: { p95_ms: number };
        critical_path: { steps: { component_id: string; operation: string }[] };
      };
      expect(evidence.operation).toBe('create-order');
      expect(evidence.current.p95_ms / evidence.previous.p95_ms).toBeGreaterThan(2.5);
      expect(
        evidence.critical_path.steps.map((step) => `${step.component_id} ${step.operation}`),
      ).toContain('orders-1 create-order');
    });

    it('finds a large slowdown on few calls and says how few they are', () => {
      const incident = scenario.incidents.find(
        (candidate) => candidate.name === 'sudden_slowdown',
      )!;
      const [insight] = findingsFor(result, scenario, 'sudden_slowdown');
      const evidence = insight.evidence as {
        method: string;
        operation: string;
        slow_calls: number;
        calls: number;
        chance: number;
        event_ids: string[];
      };
      expect(evidence.method).toBe('few_calls');
      expect(evidence.operation).toBe('sync-catalog');
      expect(evidence.slow_calls).toBe(incident.eventIds.length);
      expect(evidence.calls).toBeLessThan(30);
      expect(evidence.chance).toBeLessThan(1e-9);
      expect(incident.eventIds).toContain(evidence.event_ids[0]);
      expect(insight.severity).toBe('high');
      // the finding rests on a handful of calls: the sample-size factor says so
      expect(insight.confidence_factors.sample_size).toBeLessThan(0.5);
    });

    it('lists the stuck flows and the silent component with expected and observed', () => {
      const incident = scenario.incidents.find((candidate) => candidate.name === 'stuck_flow')!;
      const [stuck] = findingsFor(result, scenario, 'stuck_flow');
      expect(stuck.evidence.chains).toBe(6);
      const examples = stuck.evidence.examples as { correlation_id: string }[];
      expect(
        examples.every((example) => incident.correlationIds!.includes(example.correlation_id)),
      ).toBe(true);
      const [silence] = findingsFor(result, scenario, 'silent_component');
      expect(silence.evidence.observed).toBe(0);
      expect(silence.evidence.expected as number).toBeGreaterThan(5);
      expect(typeof silence.evidence.score).toBe('number');
    });

    it.each([
      'stuck_named_flow',
      'stuck_camel_flow',
      'stuck_lifecycle_flow',
      'stuck_message_flow',
    ] as const)(
      'finds the %s marked by conventions only (no phase field), with its chains',
      (name) => {
        const incident = scenario.incidents.find((candidate) => candidate.name === name)!;
        const [stuck] = findingsFor(result, scenario, name);
        expect(stuck.evidence.chains).toBe(3);
        const examples = stuck.evidence.examples as { correlation_id: string }[];
        expect(examples.map((example) => example.correlation_id).sort()).toEqual(
          [...incident.correlationIds!].sort(),
        );
      },
    );

    it('finds marker-free stuck and broken flows from learned shapes, with the numbers compared, and an open trace by its missing root', () => {
      const incidentOf = (name: IncidentName) =>
        scenario.incidents.find((candidate) => candidate.name === name)!;
      const exampleIds = (insight: InsightView) =>
        (insight.evidence.examples as { correlation_id: string }[])
          .map((example) => example.correlation_id)
          .sort();

      const [stuck] = findingsFor(result, scenario, 'stuck_learned_flow');
      expect(stuck.evidence).toMatchObject({
        method: 'learned_shape',
        flow_kind: 'warehouse-service pick-order',
        last_step: { operation: 'pack-order' },
        usual_next: { step: 'label-service print-label' },
        chains: 4,
        end_fraction: 0,
      });
      expect(exampleIds(stuck)).toEqual(
        [...incidentOf('stuck_learned_flow').correlationIds!].sort(),
      );
      expect(stuck.evidence.idle_ms as number).toBeGreaterThan(
        stuck.evidence.threshold_ms as number,
      );
      expect(stuck.evidence.history_chains as number).toBeGreaterThanOrEqual(20);
      expect(stuck.title).toContain('stuck after warehouse-service pack-order');

      const [broken] = findingsFor(result, scenario, 'broken_learned_flow');
      expect(broken.evidence).toMatchObject({
        method: 'learned_shape',
        flow_kind: 'account-service register-account',
        skipped_step: { operation: 'verify-email' },
        usual_previous: 'account-service register-account',
        chains: 8,
        presence: 1,
      });
      expect(broken.evidence.chance as number).toBeLessThan(1e-3);
      const brokenIds = broken.evidence.correlation_ids as string[];
      expect(brokenIds.length).toBeGreaterThan(0);
      expect(
        brokenIds.every((id) => incidentOf('broken_learned_flow').correlationIds!.includes(id)),
      ).toBe(true);

      // OpenTelemetry: child spans arrived, the root span (exported when it ends) never did. The
      // OTLP mapping marks a span under a local parent 'start' and a root 'end': no history needed,
      // and the trace stopped at the span that ended last (POST /quote, after the pricing call)
      const [open] = findingsFor(result, scenario, 'open_trace_flow');
      expect(open.evidence.method).toBeUndefined();
      expect(open.evidence).toMatchObject({
        flow_kind: 'cart-api (trace)',
        last_step: { operation: 'POST /quote' },
        chains: 3,
        earlier_chains_of_kind: { started: expect.any(Number), ended: expect.any(Number) },
      });
      expect(exampleIds(open)).toEqual([...incidentOf('open_trace_flow').correlationIds!].sort());
      // no other learned finding: the other kinds and steps of the marker-free traffic are normal
      const learned = result.created.filter(
        (insight) => insight.evidence.method === 'learned_shape',
      );
      expect(learned).toHaveLength(2);
    });

    it('shows the diverging replica values side by side', () => {
      const [insight] = findingsFor(result, scenario, 'diverging_replicas');
      const fields = insight.evidence.fields as {
        path: string;
        values: Record<string, unknown>;
        majority: unknown;
      }[];
      const memory = fields.find((field) => field.path === 'cache.max_memory_mb')!;
      expect(memory.values).toEqual({
        'cache-node/cache-1': 1024,
        'cache-node/cache-2': 1024,
        'cache-node/cache-3': 512,
      });
      expect(memory.majority).toBe(1024);
      expect(insight.affected_components).toEqual([
        { component_type: 'cache-node', component_id: 'cache-3' },
      ]);
    });

    it('is idempotent: the same scope again changes nothing and looks up no sample events', async () => {
      // sample events are attached only to what a run writes; the first run wrote them
      const samples = jest.spyOn(app.get(InsightAggregatesRepository), 'sampleEventIds');
      try {
        const again = await service.generate({ from: scenario.from, to: scenario.to }, scenario.to);
        expect(again.created).toEqual([]);
        expect(again.updated).toEqual([]);
        expect(again.unchanged).toBe(result.created.length);
        expect(samples).not.toHaveBeenCalled();
      } finally {
        samples.mockRestore();
      }
    });

    it('reads the flow chains from the events and from the rollups alike, with the same findings', async () => {
      const aggregates = app.get(InsightAggregatesRepository);
      const scope = { from: scenario.from, to: scenario.to };
      const learned = InsightSettings.flow.learned;
      const learnFrom = new Date(scenario.from.getTime() - 3 * 3_600_000);
      const judgeBefore = new Date(scenario.to.getTime() - learned.floorMs);
      const read = (judgeEnded: boolean) =>
        Promise.all([
          aggregates.flowChainIds(
            scope,
            learnFrom,
            scenario.from,
            judgeBefore,
            learned,
            judgeEnded,
          ),
          app
            .get(InsightRollupReader)
            .flowChainIds(
              learnFrom,
              scope.from,
              scope.to,
              scenario.from,
              judgeBefore,
              learned,
              judgeEnded,
            ),
        ]);
      const [unendedRaw, unendedRolled] = await read(false);
      expect([...unendedRolled.judged].sort()).toEqual([...unendedRaw.judged].sort());
      const [raw, rolled] = await read(true);
      expect([...rolled.history].sort()).toEqual([...raw.history].sort());
      expect([...rolled.judged].sort()).toEqual([...raw.judged].sort());
      // without the chains that marked their end, fewer are judged
      expect(unendedRaw.judged.length).toBeGreaterThan(0);
      expect(unendedRaw.judged.length).toBeLessThan(raw.judged.length);
      // chains without errors, with markers or without: the convention flows and the requests too
      const prefixes = new Set([...raw.history, ...raw.judged].map((id) => id.replace(/-.*/, '')));
      expect([...prefixes].filter((prefix) => !/^[0-9a-f]{32}$/.test(prefix)).sort()).toEqual([
        'camel',
        'ful',
        'lifecycle',
        'message',
        'named',
        'report',
        'req',
        'sign',
      ]);
      const [history, judged] = await Promise.all(
        [raw.history, raw.judged].map((ids) =>
          aggregates.shapeChains(scope, ids, learnFrom, learned.eventsHead, learned.eventsTail),
        ),
      );
      expect(history.length).toBe(raw.history.length);
      expect(
        history.every((chain) =>
          chain.events.every((event) => event.at < scenario.from.getTime() + 1000),
        ),
      ).toBe(true);
      const drafts = judgeLearnedFlows({
        scope,
        now: scenario.to,
        shapes: learnShapes(history, InsightSettings.flow.learned, (message) =>
          app.get(PatternStatsService).maskValues(message),
        ),
        judged,
      }).drafts;
      expect(
        drafts.map((draft) => [draft.kind, draft.evidence.flow_kind, draft.evidence.chains]).sort(),
      ).toEqual([
        ['broken_flow', 'account-service register-account', 8],
        ['stuck_flow', 'warehouse-service pick-order', 4],
      ]);
    });
  });

  describe(`normal traffic alone (${mode})`, () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
    }, 180_000);
    afterAll(async () => app?.close());

    it('yields no insight above low severity', async () => {
      const scenario = await writeScenario(app.get(DataSource), { seed: 11, incidents: [] });
      expect(scenario.eventCount).toBeGreaterThan(20_000);
      const result = await app
        .get(InsightsService)
        .generate({ from: scenario.from, to: scenario.to }, scenario.to);
      const severe = result.created.filter(
        (insight) =>
          SEVERITY_RANK[insight.severity as keyof typeof SEVERITY_RANK] > SEVERITY_RANK.low,
      );
      expect(
        severe.map(
          (insight) =>
            `${insight.severity} ${insight.insight_type}/${insight.evidence.kind}: ${insight.title}`,
        ),
      ).toEqual([]);
      // several kinds of flows, marked by a phase field, by conventions only (spans by the OTLP
      // mapping) or by nothing at all (judged against their learned shapes), all completing: none
      // stuck or broken
      const learned = InsightSettings.flow.learned;
      const flowChains = await app
        .get(InsightAggregatesRepository)
        .flowChainIds(
          { from: scenario.from, to: scenario.to },
          new Date(scenario.from.getTime() - 3 * 3_600_000),
          scenario.from,
          new Date(scenario.to.getTime() - learned.floorMs),
          learned,
          true,
        );
      expect(flowChains.history.length).toBeGreaterThan(250);
      expect(flowChains.judged.length).toBeGreaterThan(60);
      const flows = result.created.filter(
        (insight) => insight.insight_type === 'flow' && insight.evidence.kind !== 'failed_step',
      );
      expect(flows.map((insight) => `${insight.evidence.kind}: ${insight.title}`)).toEqual([]);
    });
  });
}

describeWithPostgres('session scope (PostgreSQL)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp({
      ...(await fullModeEnv()),
      DEBUG_REDIS_ENABLED: 'false',
      DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
    });
    await app.init();
  }, 120_000);
  afterAll(async () => app?.close());

  it("analyses only the session's events and keeps its insights apart from the global ones", async () => {
    const dataSource = app.get(DataSource);
    const now = new Date();
    const inSession = await writeScenario(dataSource, {
      seed: 21,
      now,
      sessionId: 'session-a',
      incidents: ['error_propagation'],
    });
    await writeScenario(dataSource, {
      seed: 22,
      now,
      incidents: ['new_error_pattern'],
      snapshots: false,
    });
    const service = app.get(InsightsService);
    const scoped = await service.generate(
      { from: inSession.from, to: inSession.to, session_id: 'session-a' },
      inSession.to,
    );
    expect(scoped.scope.session_id).toBe('session-a');
    expect(scoped.created.every((insight) => insight.session_id === 'session-a')).toBe(true);
    const kinds = scoped.created.map((insight) => insight.evidence.kind);
    expect(kinds).toContain('error_propagation');
    // the other scenario's new pattern is not in the session
    const schema = scoped.created.filter((insight) =>
      String(insight.evidence.sample_message ?? '').startsWith('schema validation failed'),
    );
    expect(schema).toEqual([]);

    const global = await service.generate({ from: inSession.from, to: inSession.to }, inSession.to);
    const globalPropagation = global.created.find(
      (insight) => insight.evidence.kind === 'error_propagation',
    )!;
    const scopedPropagation = scoped.created.find(
      (insight) => insight.evidence.kind === 'error_propagation',
    )!;
    expect(globalPropagation.session_id).toBeNull();
    expect(globalPropagation.fingerprint).not.toBe(scopedPropagation.fingerprint);
    expect(
      global.created.some((insight) =>
        String(insight.evidence.sample_message ?? '').startsWith('schema validation failed'),
      ),
    ).toBe(true);
    const listed = await service.list({ sessionId: 'session-a', limit: 500 });
    expect(listed.items.map((insight) => insight.id).sort()).toEqual(
      scoped.created.map((insight) => insight.id).sort(),
    );
  });
});

// The analyzers only read SQL: PostgreSQL with the in-process queue keeps these runs independent of Redis.
describeWithPostgres('PostgreSQL', () => {
  scenarioSuite('PostgreSQL', async () => ({
    ...(await fullModeEnv()),
    DEBUG_REDIS_ENABLED: 'false',
  }));
});

scenarioSuite('SQLite', async () => embeddedEnv());
