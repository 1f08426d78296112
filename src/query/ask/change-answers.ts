import { Injectable } from '@nestjs/common';
import { InsightsService } from '../../insights/insights.service.js';
import { ComponentRegistry } from '../component-registry.service.js';
import { describePatch } from '../explain-error.service.js';
import { openProblems } from '../open-problems.js';
import { QueryRepository } from '../query.repository.js';
import type { ComponentSelector } from '../query.types.js';
import type { ParsedQuestion } from './question-parser.js';

type Entities = ParsedQuestion['entities'];

const HOUR_MS = 3_600_000;
/** "what changed at 06:21?": the minutes either side of a moment. */
const AROUND_MS = 10 * 60_000;
/** The newest changes read (of every component, or of those named). */
const MAX_CHANGES = 200;
const SHOWN = 5;

export interface ChangesAnswer {
  answer: string;
  data: {
    window: { from: string; to: string };
    state_changes: {
      component_type: string;
      component_id: string;
      version: number;
      captured_at: string;
      changes: string[];
    }[];
    new_problems: { id: string; severity: string; title: string; first_seen: string }[];
    /** New versions the events carried (OpenTelemetry `service.version`, Sentry `release`). */
    releases: {
      component_type: string;
      component_id: string;
      from_version: string;
      to_version: string;
      at: string;
    }[];
  };
  /** The components that changed ("type/id"): their state history lists the same changes. */
  components: string[];
}

/**
 * "What changed at 06:21?", "recent config changes", "did payments' config change today?": the
 * state snapshots that changed something in the time asked (what, as JSON Patch in words), and
 * the problems that began then.
 */
@Injectable()
export class ChangeAnswers {
  constructor(
    private readonly registry: ComponentRegistry,
    private readonly repository: QueryRepository,
    private readonly insights: InsightsService,
  ) {}

  async changes(entities: Entities, now: Date): Promise<ChangesAnswer> {
    const { from, to } = windowOf(entities.time_range, now);
    const selectors = await this.selectors(entities);
    // named and none known: nothing to read (an empty list reads every component)
    const changes = (
      entities.components.length > 0 && selectors.length === 0
        ? []
        : await this.repository.stateChanges(selectors, { from, to }, MAX_CHANGES)
    )
      .filter((change) => change.diff.length > 0)
      .map(({ diff, ...change }) => ({
        ...change,
        changes: diff.slice(0, 10).map(describePatch).filter(Boolean),
      }));
    const releases =
      entities.components.length > 0 && selectors.length === 0
        ? []
        : await this.repository.releaseChanges(selectors, { from, to });
    const named = new Set(selectors.map((selector) => selector.component_type));
    const problems = (await openProblems(this.insights, { limit: 100 }))
      .filter((insight) => {
        const first = Date.parse(insight.first_seen);
        return (
          first >= from.getTime() &&
          first <= to.getTime() &&
          (entities.components.length === 0 ||
            insight.affected_components.some((component) => named.has(component.component_type)))
        );
      })
      .sort((a, b) => a.first_seen.localeCompare(b.first_seen))
      .map((insight) => ({
        id: insight.id,
        severity: insight.severity,
        title: insight.title,
        first_seen: insight.first_seen,
      }));
    const where = `from ${from.toISOString()} to ${to.toISOString()}`;
    const parts = [
      ...(releases.length ? [describeReleases(releases)] : []),
      changes.length === 0
        ? `No state or configuration change was reported ${where}${entities.components.length ? ` by ${[...named].join(', ')}` : ''}.`
        : `${changes.length} state change(s) ${where}, newest first: ${changes
            .slice(0, SHOWN)
            .map(
              (change) =>
                `${change.component_type}/${change.component_id} at ${change.captured_at} (version ${change.version}${change.changes.length ? `: ${change.changes.slice(0, 3).join(', ')}` : ''})`,
            )
            .join('; ')}.`,
      problems.length === 0
        ? 'No open problem began then.'
        : `Problems that began then, oldest first: ${problems
            .slice(0, 3)
            .map((problem) => `[${problem.severity}] ${problem.title} (${problem.first_seen})`)
            .join('; ')}.`,
    ];
    return {
      answer: parts.join(' '),
      data: {
        window: { from: from.toISOString(), to: to.toISOString() },
        state_changes: changes,
        new_problems: problems,
        releases,
      },
      components: [
        ...new Set(
          [...changes, ...releases].map(
            (change) => `${change.component_type}/${change.component_id}`,
          ),
        ),
      ],
    };
  }

  /** The components named (none: every component). */
  private async selectors(entities: Entities): Promise<ComponentSelector[]> {
    return (await this.registry.resolveAll(entities.components.map((mention) => mention.name)))
      .selectors;
  }
}

/** "New versions running: doc-extractor 2.7.3 → 2.8.0 on doc-extractor-1, -2, -3 (first seen 09:35:10 … 09:37:02)." */
function describeReleases(releases: ChangesAnswer['data']['releases']): string {
  const groups = new Map<string, typeof releases>();
  for (const release of releases) {
    const key = `${release.component_type}\u0000${release.from_version}\u0000${release.to_version}`;
    groups.set(key, [...(groups.get(key) ?? []), release]);
  }
  return `New versions running (the versions the events carry): ${[...groups.values()]
    .slice(0, SHOWN)
    .map((group) => {
      const [first] = group;
      const last = group[group.length - 1];
      return (
        `${first.component_type} ${first.from_version} → ${first.to_version} on ` +
        `${group.map((release) => release.component_id).join(', ')} (first seen ${first.at}` +
        `${group.length > 1 ? ` … ${last.at}` : ''})`
      );
    })
    .join('; ')}.`;
}

/** The time asked: a moment ("at 06:21") is the 10 minutes either side; no time, the last hour. */
export function windowOf(range: Entities['time_range'], now: Date): { from: Date; to: Date } {
  if (!range) return { from: new Date(now.getTime() - HOUR_MS), to: now };
  if (/^(at|around|about)\b/i.test(range.expression.trim())) {
    const at = Date.parse(range.from);
    return {
      from: new Date(at - AROUND_MS),
      to: new Date(Math.min(now.getTime(), at + AROUND_MS)),
    };
  }
  return { from: new Date(range.from), to: new Date(range.to) };
}
