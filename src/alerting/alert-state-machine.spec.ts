import { parseRule, parseSilence } from './alert-input.parser.js';
import { silenceActiveAt, stepAlerts } from './alert-state-machine.js';
import type { ActiveGroup, AlertInstance, AlertRule, Silence } from './alert.types.js';

const rule: AlertRule = {
  id: 'r1',
  name: 'billing errors',
  enabled: true,
  severity: 'high',
  when: { insight: {} },
  for_seconds: 60,
  repeat_interval_seconds: 3600,
  labels: { team: 'payments' },
  annotations: {},
  channels: [{ type: 'webhook', url: 'http://127.0.0.1:1/hook' }],
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
};
const group: ActiveGroup = {
  key: 'insight:f1',
  labels: { component: 'service/billing-svc' },
  summary: 'errors',
  details: {},
  sample_event_ids: ['e1'],
};
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, seconds));

function run(
  stored: AlertInstance[],
  active: ActiveGroup[],
  seconds: number,
  silences: Silence[] = [],
) {
  return stepAlerts(rule, active, stored, silences, at(seconds));
}

describe('stepAlerts', () => {
  it('goes pending, then firing after for_seconds with one notification, then resolved with one resolve notice', () => {
    const [pending] = run([], [group], 0);
    expect(pending).toMatchObject({
      changedFrom: null,
      instance: { state: 'pending', change_seq: 1 },
    });
    expect(pending.notify).toBeUndefined();
    expect(pending.instance.labels).toMatchObject({
      team: 'payments',
      alertname: 'billing errors',
      severity: 'high',
      rule_id: 'r1',
      component: 'service/billing-svc',
    });

    const [stillPending] = run([pending.instance], [group], 30);
    expect(stillPending.changedFrom).toBeUndefined();
    expect(stillPending.instance.state).toBe('pending');

    const [firing] = run([stillPending.instance], [group], 60);
    expect(firing).toMatchObject({
      changedFrom: 'pending',
      instance: { state: 'firing', change_seq: 2, notify_seq: 2 },
      notify: { state: 'firing', repeat: false },
    });

    const [again] = run([firing.instance], [group], 120);
    expect(again.notify).toBeUndefined();
    expect(again.changedFrom).toBeUndefined();
    expect(again.dirty).toBe(false);
    // Evidence read back with its keys in another order (jsonb) is not a change; new evidence is.
    const reordered = {
      ...firing.instance,
      details: JSON.parse(
        JSON.stringify({ sample_event_ids: ['e1'], details: {}, summary: 'errors' }),
      ),
    };
    expect(run([reordered], [group], 130)[0].dirty).toBe(false);
    expect(run([firing.instance], [{ ...group, summary: 'more errors' }], 130)[0].dirty).toBe(true);

    const [repeat] = run([again.instance], [group], 60 + 3600);
    expect(repeat.notify).toEqual({ state: 'firing', repeat: true });

    const [resolved] = run([repeat.instance], [], 60 + 3700);
    expect(resolved).toMatchObject({
      changedFrom: 'firing',
      instance: { state: 'resolved', change_seq: 3 },
      notify: { state: 'resolved', repeat: false },
    });
    expect(run([resolved.instance], [], 60 + 3800)).toEqual([]);
  });

  it('drops a pending alert that clears before for_seconds without any notification', () => {
    const [pending] = run([], [group], 0);
    const [cleared] = run([pending.instance], [], 10);
    expect(cleared).toMatchObject({ changedFrom: 'pending', instance: { state: 'resolved' } });
    expect(cleared.notify).toBeUndefined();
  });

  it('holds notifications back while silenced and sends the firing one when the silence ends', () => {
    const silence: Silence = {
      id: 's1',
      rule_id: null,
      component: null,
      matchers: [{ name: 'team', value: 'pay.*', op: '=~' }],
      starts_at: at(0).toISOString(),
      ends_at: at(100).toISOString(),
      schedule: null,
      comment: 'deploy',
      created_by: 'test',
      created_at: at(0).toISOString(),
      expired_at: null,
    };
    const zeroFor = { ...rule, for_seconds: 0 };
    const [silenced] = stepAlerts(zeroFor, [group], [], [silence], at(0));
    expect(silenced.instance.state).toBe('firing');
    expect(silenced.notify).toBeUndefined();
    expect(silenced.silencedBy).toBe('s1');
    const [afterSilence] = stepAlerts(zeroFor, [group], [silenced.instance], [silence], at(100));
    expect(afterSilence.notify).toEqual({ state: 'firing', repeat: false });
  });

  it('regresses: a resolved alert that comes back is a new state change with a new sequence number', () => {
    const zeroFor = { ...rule, for_seconds: 0 };
    const [firing] = stepAlerts(zeroFor, [group], [], [], at(0));
    const [resolved] = stepAlerts(zeroFor, [], [firing.instance], [], at(10));
    const [back] = stepAlerts(zeroFor, [group], [resolved.instance], [], at(20));
    expect(back).toMatchObject({
      changedFrom: 'resolved',
      instance: { state: 'firing', change_seq: 3 },
      notify: { state: 'firing' },
    });
  });
});

describe('maintenance windows', () => {
  it('is active only inside its weekly slot, including a slot that crosses midnight', () => {
    // 2026-12-05 is a Saturday (day 6).
    const window = {
      starts_at: '2026-11-01T00:00:00Z',
      ends_at: '2027-01-01T00:00:00Z',
      schedule: { days: [6], start: '22:00', duration_minutes: 240 },
    };
    expect(silenceActiveAt(window, new Date('2026-12-05T21:59:00Z'))).toBe(false);
    expect(silenceActiveAt(window, new Date('2026-12-05T22:00:00Z'))).toBe(true);
    expect(silenceActiveAt(window, new Date('2026-12-06T01:30:00Z'))).toBe(true);
    expect(silenceActiveAt(window, new Date('2026-12-06T02:00:00Z'))).toBe(false);
    expect(silenceActiveAt(window, new Date('2026-12-12T23:00:00Z'))).toBe(true);
  });
});

describe('input parsers name the field at fault', () => {
  const valid = { name: 'x', when: { metric: { name: 'queue_depth', op: '>', threshold: 100 } } };
  it.each([
    [{ ...valid, name: '' }, 'name'],
    [{ ...valid, when: {} }, 'when'],
    [
      { ...valid, when: { metric: { name: 'q', op: '>', threshold: 'high' } } },
      'when.metric.threshold',
    ],
    [{ ...valid, when: { insight: { min_severity: 'huge' } } }, 'when.insight.min_severity'],
    [{ ...valid, when: { insight: { types: ['error', 'nope'] } } }, 'when.insight.types[1]'],
    [
      { ...valid, when: { insight: { kinds: ['broken_flow', 'Stuck Flow'] } } },
      'when.insight.kinds[1]',
    ],
    [{ ...valid, when: { insight: { kinds: 'broken_flow' } } }, 'when.insight.kinds'],
    [
      { ...valid, channels: [{ type: 'webhook', url: 'http://a.example/x' }, { type: 'slack' }] },
      'channels[1].url',
    ],
    [{ ...valid, channels: [{ type: 'pager' }] }, 'channels[0].type'],
    [{ ...valid, channels: [{ type: 'email', to: ['not-an-address'] }] }, 'channels[0].to[0]'],
    [{ ...valid, labels: { '1bad': 'x' } }, 'labels.1bad'],
    [{ ...valid, for_seconds: -1 }, 'for_seconds'],
    [{ ...valid, colour: 'red' }, 'colour'],
  ])('rule %#', (body, field) => {
    expect(() => parseRule(body)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field } }),
    );
  });

  it('keeps a stored webhook secret when a replacement omits it', () => {
    const stored = parseRule({
      ...valid,
      channels: [{ type: 'webhook', url: 'http://a.example/x', secret: 'k' }],
    });
    const replaced = parseRule(
      { ...valid, channels: [{ type: 'webhook', url: 'http://a.example/x' }] },
      stored,
    );
    expect(replaced.channels[0].secret).toBe('k');
  });

  it.each([
    [{ comment: 'x', ends_at: '2030-01-01T00:00:00Z' }, 'matchers'],
    [{ component: 'db', ends_at: 'tomorrow', comment: 'x' }, 'ends_at'],
    [{ component: 'db', ends_at: '2030-01-01T00:00:00Z' }, 'comment'],
    [
      {
        matchers: [{ name: 'a', value: '(', op: '=~' }],
        ends_at: '2030-01-01T00:00:00Z',
        comment: 'x',
      },
      'matchers[0].value',
    ],
    [
      {
        component: 'db',
        ends_at: '2030-01-01T00:00:00Z',
        comment: 'x',
        schedule: { days: [1], start: '25:00', duration_minutes: 60 },
      },
      'schedule.start',
    ],
  ])('silence %#', (body, field) => {
    expect(() => parseSilence(body)).toThrow(expect.objectContaining({ details: { field } }));
  });
});
