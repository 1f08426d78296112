import type { StreamChannel } from './stream-messages.js';
import { STREAM_CHANNELS } from './stream-protocol.js';
import {
  attributesOf,
  type Dimension,
  matches,
  type MessageAttributes,
  type SubscriptionFilter,
} from './subscription-filter.js';

export interface Indexed {
  readonly filter: SubscriptionFilter;
}

interface ChannelIndex<S> {
  /** Subscriptions with no filter on this channel: every message is theirs. */
  everything: Set<S>;
  /** dimension → value → subscriptions keyed on that value. */
  byKey: Map<Dimension, Map<string, Set<S>>>;
}

/**
 * Finds the subscriptions a message matches without looking at the others. Each
 * subscription is filed, per channel it receives, under every value of its most
 * selective dimension (e.g. its correlation ids); a message looks up its own value of
 * each dimension that has filed subscriptions, then checks the remaining filters of
 * the few candidates. Cost per message: a handful of map lookups plus the candidates,
 * not the number of subscribers.
 */
export class SubscriptionIndex<S extends Indexed> {
  private readonly channels = new Map<StreamChannel, ChannelIndex<S>>(
    STREAM_CHANNELS.map((channel) => [channel, { everything: new Set<S>(), byKey: new Map() }]),
  );
  private count = 0;
  /** How many candidates the last lookups examined (for tests and metrics). */
  candidatesExamined = 0;

  get size(): number {
    return this.count;
  }

  add(subscription: S): void {
    const { filter } = subscription;
    for (const channel of filter.channels) {
      const index = this.channels.get(channel)!;
      if (filter.key === null) {
        index.everything.add(subscription);
        continue;
      }
      let byValue = index.byKey.get(filter.key);
      if (!byValue) index.byKey.set(filter.key, (byValue = new Map()));
      for (const value of filter.values[filter.key]!) {
        let subscribers = byValue.get(value);
        if (!subscribers) byValue.set(value, (subscribers = new Set()));
        subscribers.add(subscription);
      }
    }
    this.count++;
  }

  remove(subscription: S): void {
    const { filter } = subscription;
    for (const channel of filter.channels) {
      const index = this.channels.get(channel)!;
      if (filter.key === null) {
        index.everything.delete(subscription);
        continue;
      }
      const byValue = index.byKey.get(filter.key);
      if (!byValue) continue;
      for (const value of filter.values[filter.key]!) {
        const subscribers = byValue.get(value);
        if (!subscribers) continue;
        subscribers.delete(subscription);
        if (subscribers.size === 0) byValue.delete(value);
      }
      if (byValue.size === 0) index.byKey.delete(filter.key);
    }
    this.count--;
  }

  /** Calls `visit` once for every subscription the message matches. */
  forEachMatch(
    channel: StreamChannel,
    payload: Record<string, unknown>,
    visit: (subscription: S) => void,
  ): void {
    const index = this.channels.get(channel);
    if (!index || (index.everything.size === 0 && index.byKey.size === 0)) return;
    const attributes = attributesOf(channel, payload);
    for (const subscription of index.everything) visit(subscription);
    let seen: Set<S> | undefined;
    for (const [dimension, byValue] of index.byKey) {
      const value = attributes[dimension];
      if (value === null || value === undefined) continue;
      if (typeof value === 'string') {
        const subscribers = byValue.get(value);
        if (subscribers) this.visitCandidates(subscribers, attributes, visit);
        continue;
      }
      // Several values (an insight's components): a subscription filed under two of them is visited once.
      seen ??= new Set();
      for (const one of value) {
        const subscribers = byValue.get(one);
        if (!subscribers) continue;
        for (const subscription of subscribers) {
          if (seen.has(subscription)) continue;
          seen.add(subscription);
          this.candidatesExamined++;
          if (matches(subscription.filter, attributes)) visit(subscription);
        }
      }
    }
  }

  private visitCandidates(
    candidates: Set<S>,
    attributes: MessageAttributes,
    visit: (subscription: S) => void,
  ): void {
    for (const subscription of candidates) {
      this.candidatesExamined++;
      if (matches(subscription.filter, attributes)) visit(subscription);
    }
  }
}
