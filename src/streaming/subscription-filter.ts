import type { StreamChannel } from './stream-messages.js';
import { STREAM_CHANNELS } from './stream-protocol.js';
import type { FieldProblem, SubscribeDto } from './subscribe.dto.js';

/** What a subscription can filter on, most selective first (the index keys on the first one given). */
export const DIMENSIONS = [
  'correlation_id',
  'component_id',
  'session_id',
  'pattern_id',
  'component_type',
  'event_type',
  'level',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Which dimensions each channel carries. A filter on a dimension a channel lacks excludes that channel. */
export const CHANNEL_DIMENSIONS: Record<StreamChannel, ReadonlySet<Dimension>> = {
  'debug:event': new Set(DIMENSIONS),
  'debug:state_change': new Set<Dimension>(['correlation_id', 'component_id', 'component_type']),
  'debug:metric_update': new Set<Dimension>(['component_id', 'component_type']),
  'debug:insight': new Set<Dimension>(['component_id', 'component_type', 'session_id']),
  'debug:alert': new Set<Dimension>(['component_id', 'component_type', 'session_id']),
};

const DTO_FIELD: Record<Dimension, keyof SubscribeDto> = {
  correlation_id: 'correlation_ids',
  component_id: 'component_ids',
  session_id: 'session_id',
  pattern_id: 'pattern_id',
  component_type: 'component_types',
  event_type: 'event_types',
  level: 'levels',
};

export type FilterValues = Partial<Record<Dimension, ReadonlySet<string>>>;

/** A validated subscription: the channels it receives and, per dimension, the values allowed. */
export interface SubscriptionFilter {
  channels: ReadonlySet<StreamChannel>;
  values: FilterValues;
  /** The dimension it is indexed by (the most selective one given), or null for "every message of its channels". */
  key: Dimension | null;
  /** Event time window (a session's `from`/`to`), epoch ms; events outside it do not match. */
  window?: { fromMs?: number; toMs?: number };
}

/** The values of one message, per dimension (insights affect several components: several values). */
export type MessageAttributes = Partial<
  Record<Dimension, string | readonly string[] | null | undefined>
> & {
  /** An event's own time (its `timestamp`), for session windows. */
  timeMs?: number;
};

/** What the Sessions module stores about a session (see SessionsService.get). */
export interface SessionScope {
  filters: {
    components?: string[];
    correlation_ids?: string[];
    levels?: string[];
    event_types?: string[];
    from?: string;
    to?: string;
  };
}

/**
 * A subscription with `session_id` follows the session as its own queries do: events
 * tagged with the session's id, or events matching the session's filters (component
 * selectors `type`, `id` or `type/id`; correlation ids; levels; event types), within the
 * session's time window. Returns the alternatives (a message matching any one of them
 * matches); each is indexed on its own most selective key. An unknown session id
 * (events may carry any session id) is followed by its tag alone.
 */
export function sessionAlternatives(
  base: SubscriptionFilter,
  session: SessionScope | null,
): SubscriptionFilter[] {
  if (!session) return [base];
  const window = {
    fromMs: session.filters.from ? Date.parse(session.filters.from) : undefined,
    toMs: session.filters.to ? Date.parse(session.filters.to) : undefined,
  };
  const withWindow = (filter: SubscriptionFilter): SubscriptionFilter =>
    window.fromMs === undefined && window.toMs === undefined ? filter : { ...filter, window };
  const tagged = withWindow(base);
  const { components = [], correlation_ids, levels, event_types } = session.filters;
  const shared: FilterValues = {};
  const common = {
    correlation_id: correlation_ids,
    level: levels,
    event_type: event_types,
  } as const;
  for (const [dimension, values] of Object.entries(common) as [Dimension, string[] | undefined][]) {
    if (values?.length) shared[dimension] = new Set(values);
  }
  const componentParts: FilterValues[] = [];
  const names = components.filter((selector) => !selector.includes('/'));
  if (names.length > 0) {
    componentParts.push({ component_type: new Set(names) }, { component_id: new Set(names) });
  }
  for (const pair of components.filter((selector) => selector.includes('/'))) {
    const slash = pair.indexOf('/');
    componentParts.push({
      component_type: new Set([pair.slice(0, slash)]),
      component_id: new Set([pair.slice(slash + 1)]),
    });
  }
  if (componentParts.length === 0 && Object.keys(shared).length === 0) return [tagged];
  const alternatives = [tagged];
  for (const part of componentParts.length > 0 ? componentParts : [{}]) {
    const combined = combine(base, { ...shared, ...part });
    if (combined) alternatives.push(withWindow(combined));
  }
  return alternatives;
}

/** The base filter without its session id, narrowed by `extra` (values of one dimension intersect); null when nothing can match. */
function combine(base: SubscriptionFilter, extra: FilterValues): SubscriptionFilter | null {
  const values: FilterValues = { ...base.values };
  delete values.session_id;
  for (const [dimension, allowed] of Object.entries(extra) as [Dimension, ReadonlySet<string>][]) {
    const existing = values[dimension];
    const merged = existing
      ? new Set([...allowed].filter((value) => existing.has(value)))
      : allowed;
    if (merged.size === 0) return null;
    values[dimension] = merged;
  }
  const given = DIMENSIONS.filter((dimension) => values[dimension] !== undefined);
  const channels = [...base.channels].filter((channel) =>
    given.every((dimension) => CHANNEL_DIMENSIONS[channel].has(dimension)),
  );
  if (channels.length === 0) return null;
  return { channels: new Set(channels), values, key: given[0] ?? null };
}

/** Turns a validated DTO into a filter, or names the fields that make it impossible. */
export function toFilter(
  dto: SubscribeDto,
): { filter: SubscriptionFilter } | { problems: FieldProblem[] } {
  const values: FilterValues = {};
  for (const dimension of DIMENSIONS) {
    const raw = dto[DTO_FIELD[dimension]];
    if (raw === undefined) continue;
    values[dimension] = new Set(Array.isArray(raw) ? raw : [String(raw)]);
  }
  const given = DIMENSIONS.filter((dimension) => values[dimension] !== undefined);
  const applies = (channel: StreamChannel) =>
    given.every((dimension) => CHANNEL_DIMENSIONS[channel].has(dimension));

  let channels: StreamChannel[];
  if (dto.channels) {
    channels = [...new Set(dto.channels.map(toChannel))];
    const problems = channels
      .filter((channel) => !applies(channel))
      .map((channel) => ({
        field: 'channels',
        problem: `${channel} carries no ${given
          .filter((dimension) => !CHANNEL_DIMENSIONS[channel].has(dimension))
          .map((dimension) => DTO_FIELD[dimension])
          .join(', ')}: drop that filter or that channel`,
      }));
    if (problems.length > 0) return { problems };
  } else {
    channels = STREAM_CHANNELS.filter(applies);
  }
  return { filter: { channels: new Set(channels), values, key: given[0] ?? null } };
}

export function toChannel(name: string): StreamChannel {
  return (name.startsWith('debug:') ? name : `debug:${name}`) as StreamChannel;
}

/** The attributes of a message on its channel, read from the payload's snake_case fields. */
export function attributesOf(
  channel: StreamChannel,
  payload: Record<string, unknown>,
): MessageAttributes {
  switch (channel) {
    case 'debug:event':
      return {
        timeMs: typeof payload.timestamp === 'string' ? Date.parse(payload.timestamp) : undefined,
        correlation_id: text(payload.correlation_id),
        component_id: text(payload.component_id),
        session_id: text(payload.session_id),
        pattern_id: text(payload.pattern_id),
        component_type: text(payload.component_type),
        event_type: text(payload.event_type),
        level: text(payload.level),
      };
    case 'debug:state_change':
      return {
        correlation_id: text(payload.correlation_id),
        component_id: text(payload.component_id),
        component_type: text(payload.component_type),
      };
    case 'debug:metric_update':
      return {
        component_id: text(payload.component_id),
        component_type: text(payload.component_type),
      };
    case 'debug:insight':
    case 'debug:alert': {
      const components = Array.isArray(payload.affected_components)
        ? payload.affected_components
        : [];
      const refs = components.filter(
        (ref): ref is Record<string, unknown> => typeof ref === 'object' && ref !== null,
      );
      return {
        component_id: refs
          .map((ref) => text(ref.component_id))
          .filter((id): id is string => id !== null),
        component_type: refs
          .map((ref) => text(ref.component_type))
          .filter((type): type is string => type !== null),
        session_id: text(payload.session_id),
      };
    }
  }
}

/** Whether a message with these attributes passes every dimension of the filter. */
export function matches(filter: SubscriptionFilter, attributes: MessageAttributes): boolean {
  if (filter.window && attributes.timeMs !== undefined) {
    const { fromMs, toMs } = filter.window;
    if (
      (fromMs !== undefined && attributes.timeMs < fromMs) ||
      (toMs !== undefined && attributes.timeMs > toMs)
    )
      return false;
  }
  for (const dimension of DIMENSIONS) {
    const allowed = filter.values[dimension];
    if (!allowed) continue;
    const value = attributes[dimension];
    if (value === null || value === undefined) return false;
    if (typeof value === 'string') {
      if (!allowed.has(value)) return false;
    } else if (!value.some((one) => allowed.has(one))) {
      return false;
    }
  }
  return true;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
