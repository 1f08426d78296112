import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { distance } from 'fastest-levenshtein';
import { DomainError } from '../common/errors/domain-error.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import { QueryRepository } from './query.repository.js';
import type { ComponentSelector, KnownComponent } from './query.types.js';

const REFRESH_AFTER_MS = 30_000;
const MAX_COMPONENTS = 20_000;
/** An unknown name re-reads the store, at most this often. */
const FORCED_REFRESH_AFTER_MS = 2_000;

export type Resolution =
  | { found: true; selectors: ComponentSelector[] }
  | { found: false; selector: string; did_you_mean: string[] };

/**
 * The components seen in the store (types and ids), read by an index skip-scan, kept
 * fresh by new events on the application event bus and re-read every 30 s when asked. Turns what a
 * caller typed into component selectors.
 */
@Injectable()
export class ComponentRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly idsByType = new Map<string, Set<string>>();
  private readonly typesById = new Map<string, Set<string>>();
  private loadedAt = 0;
  private loading?: Promise<void>;
  private unsubscribe?: () => void;

  constructor(
    private readonly repository: QueryRepository,
    private readonly bus: AppEventBus,
  ) {}

  onModuleInit(): void {
    const stops = [
      this.bus.on('events.accepted', (events) => events.forEach((event) => this.add(event))),
      this.bus.on('state.changed', (change) => this.add(change)),
    ];
    this.unsubscribe = () => stops.forEach((stop) => stop());
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Every known component type and component id (for fuzzy matching). */
  async names(): Promise<{ types: string[]; ids: string[] }> {
    await this.fresh();
    return { types: [...this.idsByType.keys()], ids: [...this.typesById.keys()] };
  }

  async idsOf(componentType: string): Promise<string[]> {
    await this.fresh();
    return [...(this.idsByType.get(componentType) ?? [])].sort();
  }

  async types(): Promise<string[]> {
    await this.fresh();
    return [...this.idsByType.keys()].sort();
  }

  /** `type`, `id` or `type/id` (exact, then case-insensitive) to selectors; unknown names get suggestions. */
  async resolve(selector: string): Promise<Resolution> {
    await this.fresh();
    let resolution = this.resolveExact(selector);
    if (!resolution) {
      await this.fresh(true);
      resolution = this.resolveExact(selector);
    }
    return resolution ?? { found: false, selector, did_you_mean: this.suggest(selector) };
  }

  /** Several names at once: the selectors of those known, and each unknown one with suggestions. */
  async resolveAll(names: readonly string[]): Promise<{
    selectors: ComponentSelector[];
    unknown: { component: string; did_you_mean: string[] }[];
  }> {
    const selectors: ComponentSelector[] = [];
    const unknown: { component: string; did_you_mean: string[] }[] = [];
    for (const name of names) {
      const resolution = await this.resolve(name);
      if (resolution.found) selectors.push(...resolution.selectors);
      else unknown.push({ component: name, did_you_mean: resolution.did_you_mean });
    }
    return { selectors, unknown };
  }

  /** resolveAll, where an unknown name is a NOT_FOUND naming it (and what it may have meant). */
  async requireAll(names: readonly string[]): Promise<ComponentSelector[]> {
    const { selectors, unknown } = await this.resolveAll(names);
    if (unknown.length > 0) throw notFound(unknown[0]);
    return selectors;
  }

  suggest(name: string, count = 3): string[] {
    const lower = name.toLowerCase();
    return [...this.idsByType.keys(), ...this.typesById.keys()]
      .map((candidate) => ({ candidate, score: distance(lower, candidate.toLowerCase()) }))
      .sort((a, b) => a.score - b.score)
      .slice(0, count)
      .map(({ candidate }) => candidate);
  }

  private resolveExact(selector: string): Resolution | undefined {
    const slash = selector.indexOf('/');
    if (slash > 0) {
      const type = this.matchKey(this.idsByType, selector.slice(0, slash));
      const id = type
        ? this.matchKey(
            new Map([...(this.idsByType.get(type) ?? [])].map((item) => [item, true])),
            selector.slice(slash + 1),
          )
        : undefined;
      if (type && id)
        return { found: true, selectors: [{ selector, component_type: type, component_id: id }] };
    }
    const type = this.matchKey(this.idsByType, selector);
    if (type)
      return { found: true, selectors: [{ selector, component_type: type, component_id: null }] };
    const id = this.matchKey(this.typesById, selector);
    if (id) {
      const types = [...(this.typesById.get(id) ?? [])];
      return {
        found: true,
        selectors: types.map((componentType) => ({
          selector,
          component_type: componentType,
          component_id: id,
        })),
      };
    }
    return undefined;
  }

  private matchKey<V>(map: Map<string, V>, name: string): string | undefined {
    if (map.has(name)) return name;
    const lower = name.toLowerCase();
    for (const key of map.keys()) if (key.toLowerCase() === lower) return key;
    return undefined;
  }

  private add(component: KnownComponent): void {
    if (this.typesById.size >= MAX_COMPONENTS && !this.typesById.has(component.component_id))
      return;
    let ids = this.idsByType.get(component.component_type);
    if (!ids) this.idsByType.set(component.component_type, (ids = new Set()));
    ids.add(component.component_id);
    let types = this.typesById.get(component.component_id);
    if (!types) this.typesById.set(component.component_id, (types = new Set()));
    types.add(component.component_type);
  }

  private async fresh(force = false): Promise<void> {
    if (Date.now() - this.loadedAt < (force ? FORCED_REFRESH_AFTER_MS : REFRESH_AFTER_MS)) return;
    this.loading ??= this.repository
      .knownComponents(MAX_COMPONENTS)
      .then((components) => {
        for (const component of components) this.add(component);
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    await this.loading;
  }
}

/** The error for a name no component has sent events under. */
export function notFound(unknown: { component: string; did_you_mean: string[] }): DomainError {
  return new DomainError('NOT_FOUND', `no component named "${unknown.component}" has sent events`, {
    component: unknown.component,
    did_you_mean: unknown.did_you_mean,
  });
}
