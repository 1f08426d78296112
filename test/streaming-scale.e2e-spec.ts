import request from 'supertest';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { createWorkerContext } from '../src/bootstrap.js';
import type { InsightRecord } from '../src/common/debug-event.js';
import { AppEventBus } from '../src/common/events/app-event-bus.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { StreamClient, until } from './support/streaming-clients.js';

const INGEST = 'ingest-key-1';
const READER = 'reader-key-1';
const ADMIN = 'admin-key-01';
const KEYS = `${INGEST}:ingest,${READER}:read,${ADMIN}:admin`;

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

async function postEvents(url: string, events: Record<string, unknown>[]): Promise<string[]> {
  const response = await request(url)
    .post('/api/debug/events/batch')
    .set('X-API-Key', INGEST)
    .send({ events });
  expect(response.status).toBe(202);
  return response.body.ids as string[];
}

const event = (fields: Record<string, unknown>) => ({
  event_type: 'log',
  level: 'info',
  component_type: 'agent',
  component_id: 'agent-1',
  message: `step ${++seq}`,
  ...fields,
});

describeWithPostgresAndRedis(
  'streaming across two API instances (one PostgreSQL, one Redis)',
  () => {
    let first: RunningApp;
    let second: RunningApp;
    const clients: StreamClient[] = [];

    beforeAll(async () => {
      const env = { ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS };
      first = await startApp(env);
      second = await startApp(env);
    });
    afterAll(async () => {
      for (const one of clients) one.close();
      await first?.close();
      await second?.close();
    });

    it('delivers events accepted by either instance to subscribers on both, once each', async () => {
      const component = unique('shared');
      const onFirst = new StreamClient(first.url, { apiKey: READER });
      const onSecond = new StreamClient(second.url, { apiKey: READER });
      clients.push(onFirst, onSecond);
      await onFirst.subscribeOk({ component_ids: [component] });
      await onSecond.subscribeOk({ component_ids: [component] });

      const viaFirst = await postEvents(first.url, [
        event({ component_id: component }),
        event({ component_id: component }),
      ]);
      const viaSecond = await postEvents(second.url, [event({ component_id: component })]);
      const expected = [...viaFirst, ...viaSecond].sort();
      await until(
        () => onFirst.ids().length >= 3 && onSecond.ids().length >= 3,
        'three events on each instance',
      );
      // A fence through each instance proves nothing more (no echo, no repeat) is on its way.
      const fence = await postEvents(first.url, [
        event({ component_id: component, message: 'fence' }),
      ]);
      const fence2 = await postEvents(second.url, [
        event({ component_id: component, message: 'fence' }),
      ]);
      await until(
        () =>
          [onFirst, onSecond].every(
            (one) => one.ids().includes(fence[0]) && one.ids().includes(fence2[0]),
          ),
        'fences',
      );
      for (const one of [onFirst, onSecond]) {
        const received = one.ids().filter((id) => id !== fence[0] && id !== fence2[0]);
        expect(received.sort()).toEqual(expected);
      }
    });

    it('backfills on one instance what another accepted (the hot tier is shared in Redis)', async () => {
      const component = unique('replayed');
      const accepted = await postEvents(first.url, [
        event({ component_id: component }),
        event({ component_id: component }),
      ]);
      const onSecond = new StreamClient(second.url, { apiKey: READER });
      clients.push(onSecond);
      const ack = await onSecond.subscribe({
        component_ids: [component],
        since: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(ack).toMatchObject({ ok: true, backfill: { events: 2, complete: true } });
      const live = await postEvents(first.url, [event({ component_id: component })]);
      await until(() => onSecond.ids().length === 3, 'replay then live');
      expect(onSecond.ids().slice(0, 2).sort()).toEqual([...accepted].sort());
      expect(onSecond.ids()[2]).toBe(live[0]);
    });

    it('joins replay and live without gap or repeat while another instance keeps ingesting', async () => {
      const component = unique('cross-seam');
      const since = new Date(Date.now() - 60_000).toISOString();
      const posted: string[] = [];
      let stop = false;
      const ingesting = (async () => {
        while (!stop)
          posted.push(
            ...(await postEvents(
              first.url,
              Array.from({ length: 5 }, () => event({ component_id: component })),
            )),
          );
      })();
      const onSecond = new StreamClient(second.url, { apiKey: READER });
      clients.push(onSecond);
      await until(() => posted.length >= 20, 'ingestion running');
      const ack = await onSecond.subscribe({ component_ids: [component], since });
      await until(() => posted.length >= 60, 'ingestion after the subscription');
      stop = true;
      await ingesting;
      expect(ack).toMatchObject({ ok: true, backfill: { complete: true } });
      await until(() => onSecond.ids().length >= posted.length, 'every event');
      const fence = await postEvents(first.url, [
        event({ component_id: component, message: 'fence' }),
      ]);
      await until(() => onSecond.ids().includes(fence[0]), 'the fence');
      const received = onSecond.ids().filter((id) => id !== fence[0]);
      expect(new Set(received).size).toBe(received.length);
      expect(received.sort()).toEqual([...posted].sort());
    });

    it('relays state changes and insights published on one instance to the other', async () => {
      const component = unique('svc');
      const onSecond = new StreamClient(second.url, { apiKey: READER });
      clients.push(onSecond);
      await onSecond.subscribeOk({ component_ids: [component] });
      await request(first.url)
        .post('/api/debug/state')
        .set('X-API-Key', INGEST)
        .send({ component_type: 'agent', component_id: component, state: { status: 'idle' } })
        .expect(201);
      first.app.get(AppEventBus).emit('insight.changed', {
        insight: {
          id: unique('insight'),
          affected_components: [{ component_type: 'agent', component_id: component }],
        } as InsightRecord,
        change: 'created',
        severe: false,
      });
      await until(
        () =>
          onSecond.received['debug:state_change'].length === 1 &&
          onSecond.received['debug:insight'].length === 1,
        'state change and insight on the second instance',
      );
      expect(onSecond.received['debug:state_change'][0]).toMatchObject({
        component_id: component,
        version: 1,
      });
    });
  },
);

describeWithPostgresAndRedis('streaming from a worker process', () => {
  it('carries what a DEBUG_ROLE=worker process publishes (e.g. its periodic insights) to API subscribers', async () => {
    const env = { ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS };
    const api = await startApp({ ...env, DEBUG_ROLE: 'api' });
    const worker = await createWorkerContext({ ...env, DEBUG_ROLE: 'worker' });
    const reader = new StreamClient(api.url, { apiKey: READER });
    try {
      const component = unique('worker-side');
      await reader.subscribeOk({ component_ids: [component] });
      const insight = {
        id: unique('insight'),
        severity: 'critical',
        affected_components: [{ component_type: 'agent', component_id: component }],
      };
      worker.get(AppEventBus).emit('insight.changed', {
        insight: insight as unknown as InsightRecord,
        change: 'created',
        severe: true,
      });
      await until(() => reader.received['debug:alert'].length === 1, 'the alert from the worker');
      expect(reader.ids('debug:insight')).toEqual([insight.id]);
      expect(reader.ids('debug:alert')).toEqual([insight.id]);
    } finally {
      reader.close();
      await worker.close();
      await api.close();
    }
  });
});

describeWithPostgresAndRedis('slow consumers', () => {
  let running: RunningApp;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    running = await startApp({
      ...(await fullModeEnv()),
      DEBUG_API_KEYS: KEYS,
      DEBUG_STREAM_CLIENT_BUFFER: '1000',
    });
  });
  afterAll(async () => {
    for (const one of clients) one.close();
    await running?.close();
  });

  it('drops for a client that stops reading, counts it, tells it how many and since when; a client that keeps up loses nothing', async () => {
    const component = unique('flood');
    const slow = new StreamClient(running.url, { apiKey: READER });
    const healthy = new StreamClient(running.url, { apiKey: READER });
    clients.push(slow, healthy);
    await slow.subscribeOk({ component_ids: [component] });
    await healthy.subscribeOk({ component_ids: [component] });

    // The slow client stops reading its TCP socket: the kernel buffers fill, then the server's.
    const transport = slow.socket.io.engine.transport as unknown as {
      ws: { _socket: { pause(): void; resume(): void } };
    };
    transport.ws._socket.pause();

    const bus = running.app.get(AppEventBus);
    const padding = 'x'.repeat(16 * 1024);
    const published: string[] = [];
    let dropped = 0;
    // Publish in small bursts (as ingestion does) until the server has dropped for the slow client a while.
    for (let burst = 0; burst < 5000 && dropped < 200; burst++) {
      const now = new Date().toISOString();
      const events: DebugEventRecord[] = Array.from({ length: 10 }, () => {
        const id = unique('ev');
        published.push(id);
        return {
          id,
          timestamp: now,
          ingested_at: now,
          event_type: 'log',
          level: 'info',
          component_type: 'agent',
          component_id: component,
          correlation_id: null,
          parent_event_id: null,
          operation: null,
          duration_ms: null,
          message: 'big',
          data: { padding },
          metadata: null,
          session_id: null,
          pattern_id: null,
        };
      });
      bus.emit('events.accepted', events);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (burst % 20 === 19) {
        const listing = await request(running.url)
          .get('/api/debug/streaming/clients')
          .set('X-API-Key', ADMIN)
          .expect(200);
        dropped =
          (listing.body.items as { id: string; dropped: number }[]).find(
            (one) => one.id === slow.socket.id,
          )?.dropped ?? 0;
      }
    }
    expect(dropped).toBeGreaterThanOrEqual(200);

    // The healthy client got every event, in order.
    await until(
      () => healthy.ids().length === published.length,
      'every event on the healthy client',
    );
    expect(healthy.ids()).toEqual(published);
    expect(healthy.dropped).toEqual([]);

    // The slow client reads again: what was kept, then the drop notice, then new events.
    transport.ws._socket.resume();
    const announcedSoFar = () => slow.dropped.reduce((sum, notice) => sum + notice.count, 0);
    await until(
      () => slow.ids().length + announcedSoFar() === published.length,
      'kept events and the drop notice',
    );
    const fence = unique('fence');
    const now = new Date().toISOString();
    bus.emit('events.accepted', [
      {
        id: fence,
        timestamp: now,
        ingested_at: now,
        event_type: 'log',
        level: 'info',
        component_type: 'agent',
        component_id: component,
        correlation_id: null,
        parent_event_id: null,
        operation: null,
        duration_ms: null,
        message: 'fence',
        data: null,
        metadata: null,
        session_id: null,
        pattern_id: null,
      },
    ]);
    await until(() => slow.ids().includes(fence), 'the fence on the slow client');
    const announced = slow.dropped.reduce((sum, notice) => sum + notice.count, 0);
    const received = slow.ids().filter((id) => id !== fence);
    expect(announced).toBeGreaterThan(0);
    expect(received.length + announced).toBe(published.length);
    // What it got is in order, and every notice says where to backfill from.
    expect(received).toEqual(published.filter((id) => received.includes(id)));
    for (const notice of slow.dropped) {
      expect(notice).toMatchObject({
        count: expect.any(Number),
        since: expect.any(String),
        channels: { 'debug:event': notice.count },
      });
      expect(Date.parse(notice.since)).toBeLessThanOrEqual(Date.parse(notice.until));
    }
    expect(slow.dropped.at(-1)!.total).toBe(announced);

    const metrics = await request(running.url).get('/api/debug/metrics').expect(200);
    const counted = /ads_stream_dropped_total\{channel="debug:event"\} (\d+)/.exec(metrics.text);
    expect(Number(counted?.[1])).toBe(announced);
    // No other instance has subscribers: nothing was serialized for or published to Redis.
    expect(metrics.text).not.toMatch(/ads_stream_relay_messages_total\{direction="out"\} [1-9]/);
  });
});
