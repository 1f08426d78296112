import type { StreamChannel } from './stream-messages.js';
import { parseSubscribe } from './subscribe.dto.js';
import { sessionAlternatives, type SubscriptionFilter, toFilter } from './subscription-filter.js';
import { SubscriptionIndex } from './subscription-index.js';

interface Sub {
  name: string;
  filter: SubscriptionFilter;
}

function filterOf(payload: Record<string, unknown>): SubscriptionFilter {
  const parsed = parseSubscribe(payload);
  if ('problems' in parsed) throw new Error(JSON.stringify(parsed.problems));
  const built = toFilter(parsed.dto);
  if ('problems' in built) throw new Error(JSON.stringify(built.problems));
  return built.filter;
}

function event(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'e1',
    event_type: 'log',
    level: 'info',
    component_type: 'agent',
    component_id: 'agent-1',
    correlation_id: 'op-1',
    session_id: null,
    pattern_id: 'p1',
    ...fields,
  };
}

function matchesOf(
  index: SubscriptionIndex<Sub>,
  channel: StreamChannel,
  payload: Record<string, unknown>,
): string[] {
  const names: string[] = [];
  index.forEachMatch(channel, payload, (sub) => names.push(sub.name));
  return names.sort();
}

describe('subscription filters', () => {
  it('keys a subscription on its most selective dimension', () => {
    expect(filterOf({ levels: ['error'], component_ids: ['a'], correlation_ids: ['c'] }).key).toBe(
      'correlation_id',
    );
    expect(filterOf({ levels: ['error'], component_types: ['agent'] }).key).toBe('component_type');
    expect(filterOf({}).key).toBeNull();
  });

  it('narrows the default channels to those carrying every filtered field', () => {
    expect([...filterOf({}).channels]).toHaveLength(5);
    expect([...filterOf({ component_ids: ['a'] }).channels].sort()).toEqual([
      'debug:alert',
      'debug:event',
      'debug:insight',
      'debug:metric_update',
      'debug:state_change',
    ]);
    expect([...filterOf({ correlation_ids: ['c'] }).channels].sort()).toEqual([
      'debug:event',
      'debug:state_change',
    ]);
    expect([...filterOf({ levels: ['error'] }).channels]).toEqual(['debug:event']);
    expect([...filterOf({ channels: ['insight', 'debug:alert'] }).channels]).toEqual([
      'debug:insight',
      'debug:alert',
    ]);
  });

  it('refuses a channel that cannot carry a filtered field, naming it', () => {
    const parsed = parseSubscribe({ channels: ['metric_update'], levels: ['error'] });
    if ('problems' in parsed) throw new Error('valid DTO expected');
    const built = toFilter(parsed.dto);
    expect('problems' in built && built.problems[0]).toEqual({
      field: 'channels',
      problem: expect.stringContaining('debug:metric_update carries no levels'),
    });
  });

  it('names the field of an invalid payload', () => {
    const parsed = parseSubscribe({ component_ids: 'agent-1', colour: 'red', channels: ['nope'] });
    expect('problems' in parsed && parsed.problems.map((problem) => problem.field).sort()).toEqual([
      'channels',
      'colour',
      'component_ids',
    ]);
    expect('problems' in parseSubscribe([1, 2])).toBe(true);
    expect('problems' in parseSubscribe({ since: { at: 1 } })).toBe(true);
    expect('dto' in parseSubscribe({ since: 1700000000000 })).toBe(true);
  });

  it('refuses a nested constructor or __proto__ key by name instead of throwing (found by the protocol fuzzer)', () => {
    const hostile = JSON.parse('{"component_types": {"constructor": {"prototype": {"x": 1}}}}');
    expect(parseSubscribe(hostile)).toEqual({
      problems: [
        {
          field: 'component_types.constructor',
          problem: 'component_types.constructor is not an allowed key',
        },
      ],
    });
    expect('problems' in parseSubscribe(JSON.parse('{"__proto__": {"levels": ["x"]}}'))).toBe(true);
  });
});

describe('SubscriptionIndex', () => {
  let index: SubscriptionIndex<Sub>;
  const add = (name: string, payload: Record<string, unknown>) => {
    const sub = { name, filter: filterOf(payload) };
    index.add(sub);
    return sub;
  };

  beforeEach(() => {
    index = new SubscriptionIndex<Sub>();
  });

  it('applies every filter kind, values as alternatives, kinds together', () => {
    add('all', {});
    add('errors', { levels: ['error', 'critical'] });
    add('agent-errors', { component_types: ['agent'], levels: ['error'] });
    add('by-id', { component_ids: ['agent-1', 'agent-2'] });
    add('by-correlation', { correlation_ids: ['op-1'] });
    add('by-session', { session_id: 's1' });
    add('by-pattern', { pattern_id: 'p1' });
    add('traces', { event_types: ['trace'] });

    expect(matchesOf(index, 'debug:event', event())).toEqual([
      'all',
      'by-correlation',
      'by-id',
      'by-pattern',
    ]);
    expect(matchesOf(index, 'debug:event', event({ level: 'error', session_id: 's1' }))).toEqual([
      'agent-errors',
      'all',
      'by-correlation',
      'by-id',
      'by-pattern',
      'by-session',
      'errors',
    ]);
    expect(
      matchesOf(
        index,
        'debug:event',
        event({
          event_type: 'trace',
          component_type: 'api',
          component_id: 'x',
          correlation_id: null,
          pattern_id: null,
          level: 'error',
        }),
      ),
    ).toEqual(['all', 'errors', 'traces']);
  });

  it('routes the other channels by the fields they carry', () => {
    add('all', {});
    add('agent-1', { component_ids: ['agent-1'] });
    add('workers', { component_types: ['worker'] });
    add('op-1', { correlation_ids: ['op-1'] });
    add('alerts-only', { channels: ['alert'] });

    const state = { component_type: 'agent', component_id: 'agent-1', correlation_id: 'op-1' };
    expect(matchesOf(index, 'debug:state_change', state)).toEqual(['agent-1', 'all', 'op-1']);
    expect(
      matchesOf(index, 'debug:metric_update', {
        name: 'cpu',
        component_type: 'worker',
        component_id: 'w1',
      }),
    ).toEqual(['all', 'workers']);
    const insight = {
      id: 'i1',
      affected_components: [
        { component_type: 'agent', component_id: 'agent-1' },
        { component_type: 'worker', component_id: 'w1' },
      ],
    };
    expect(matchesOf(index, 'debug:insight', insight)).toEqual(['agent-1', 'all', 'workers']);
    expect(matchesOf(index, 'debug:alert', insight)).toEqual([
      'agent-1',
      'alerts-only',
      'all',
      'workers',
    ]);
  });

  it('visits a subscription once when several of a message’s values hit it', () => {
    add('both', { component_ids: ['a', 'b'] });
    const insight = {
      affected_components: [
        { component_type: 't', component_id: 'a' },
        { component_type: 't', component_id: 'b' },
      ],
    };
    expect(matchesOf(index, 'debug:insight', insight)).toEqual(['both']);
  });

  it('forgets removed subscriptions', () => {
    const sub = add('agent-1', { component_ids: ['agent-1'] });
    const all = add('all', {});
    expect(index.size).toBe(2);
    index.remove(sub);
    index.remove(all);
    expect(index.size).toBe(0);
    expect(matchesOf(index, 'debug:event', event())).toEqual([]);
  });

  it('examines only the interested subscriptions, however many others there are', () => {
    for (let i = 0; i < 10_000; i++) add(`component-${i}`, { component_ids: [`c-${i}`] });
    for (let i = 0; i < 5_000; i++)
      add(`op-${i}`, { correlation_ids: [`op-${i}`], levels: ['error'] });
    add('watcher', { component_ids: ['c-42'], levels: ['error'] });

    index.candidatesExamined = 0;
    expect(
      matchesOf(
        index,
        'debug:event',
        event({ component_id: 'c-42', correlation_id: 'op-7', level: 'error' }),
      ),
    ).toEqual(['component-42', 'op-7', 'watcher']);
    expect(index.candidatesExamined).toBe(3);

    index.candidatesExamined = 0;
    expect(
      matchesOf(
        index,
        'debug:event',
        event({ component_id: 'c-42', correlation_id: 'op-7', level: 'info' }),
      ),
    ).toEqual(['component-42']);
    expect(index.candidatesExamined).toBe(3);
  });
});

describe('session subscriptions', () => {
  const base = () => filterOf({ session_id: 's1' });

  it('follows an unknown session by its tag only', () => {
    expect(sessionAlternatives(base(), null)).toHaveLength(1);
  });

  it('follows a stored session by its tag or its filters, as its queries do', () => {
    const alternatives = sessionAlternatives(base(), {
      filters: {
        components: ['agent', 'worker/w-2'],
        levels: ['error'],
        to: '2100-01-01T00:00:00Z',
      },
    });
    const index = new SubscriptionIndex<Sub>();
    for (const filter of alternatives) index.add({ name: 'session', filter });
    const seen = (fields: Record<string, unknown>) => {
      const names = new Set<string>();
      index.forEachMatch(
        'debug:event',
        event({ timestamp: '2030-01-01T00:00:00Z', ...fields }),
        (sub) => names.add(sub.name),
      );
      return names.size === 1;
    };
    expect(seen({ session_id: 's1', component_type: 'x', level: 'info' })).toBe(true);
    expect(seen({ component_type: 'agent', level: 'error' })).toBe(true);
    expect(seen({ component_type: 'x', component_id: 'agent', level: 'error' })).toBe(true);
    expect(seen({ component_type: 'worker', component_id: 'w-2', level: 'error' })).toBe(true);
    expect(seen({ component_type: 'worker', component_id: 'w-3', level: 'error' })).toBe(false);
    expect(seen({ component_type: 'agent', level: 'info' })).toBe(false);
    // Outside the session's window, even tagged events are not the session's.
    expect(seen({ session_id: 's1', timestamp: '2101-01-01T00:00:00Z' })).toBe(false);
  });

  it('narrows the session filters by the subscription’s own', () => {
    const own = filterOf({ session_id: 's1', levels: ['critical'] });
    expect(sessionAlternatives(own, { filters: { levels: ['error'] } })).toHaveLength(1);
    const both = sessionAlternatives(own, {
      filters: { levels: ['error', 'critical'], correlation_ids: ['op-9'] },
    });
    expect(both[1]).toMatchObject({ key: 'correlation_id', channels: new Set(['debug:event']) });
  });
});
