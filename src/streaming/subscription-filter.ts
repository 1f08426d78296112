import type { StreamChannel } from './stream-bus.js';
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
}

/** The values of one message, per dimension (insights affect several components: several values). */
export type MessageAttributes = Partial<Record<Dimension, string | readonly string[] | null | undefined>>;

/** Turns a validated DTO into a filter, or names the fields that make it impossible. */
export function toFilter(dto: SubscribeDto): { filter: SubscriptionFilter } | { problems: FieldProblem[] } {
  const values: FilterValues = {};
  for (const dimension of DIMENSIONS) {
    const raw = dto[DTO_FIELD[dimension]];
    if (raw === undefined) continue;
    values[dimension] = new Set(Array.isArray(raw) ? raw : [String(raw)]);
  }
  const given = DIMENSIONS.filter((dimension) => values[dimension] !== undefined);
  const applies = (channel: StreamChannel) => given.every((dimension) => CHANNEL_DIMENSIONS[channel].has(dimension));

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
export function attributesOf(channel: StreamChannel, payload: Record<string, unknown>): MessageAttributes {
  switch (channel) {
    case 'debug:event':
      return {
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
      return { component_id: text(payload.component_id), component_type: text(payload.component_type) };
    case 'debug:insight':
    case 'debug:alert': {
      const components = Array.isArray(payload.affected_components) ? payload.affected_components : [];
      const refs = components.filter((ref): ref is Record<string, unknown> => typeof ref === 'object' && ref !== null);
      return {
        component_id: refs.map((ref) => text(ref.component_id)).filter((id): id is string => id !== null),
        component_type: refs.map((ref) => text(ref.component_type)).filter((type): type is string => type !== null),
        session_id: text(payload.session_id),
      };
    }
  }
}

/** Whether a message with these attributes passes every dimension of the filter. */
export function matches(filter: SubscriptionFilter, attributes: MessageAttributes): boolean {
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
