import { Injectable } from '@nestjs/common';
import { distance } from 'fastest-levenshtein';
import { QueryRepository } from '../query.repository.js';
import { describeSpan } from './count-answers.js';
import type { ParsedQuestion } from './question-parser.js';

type Entities = ParsedQuestion['entities'];

export interface LatencyAnswer {
  answer: string;
  data: unknown;
}

const HOUR_MS = 3_600_000;
/** Names of operations as code writes them: payment.authorize, ticket_issue, GET /orders/:id. */
const OPERATION_TOKEN =
  /\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\/[^\s?,;]*|[A-Za-z][\w-]*(?:[./:][\w{}:-]+)+/g;
const PERCENTILE = /\bp(\d{2}(?:\.\d+)?)\b|\b(median)\b/gi;

/**
 * "What is the p99 of payment.authorize?": the percentiles of the operations a question names,
 * per component type, in its window and the window of the same length before.
 */
@Injectable()
export class LatencyAnswers {
  constructor(private readonly repository: QueryRepository) {}

  /** Null when the question names no operation (the slowest operations answer it then). */
  async latency(question: string, entities: Entities, now: Date): Promise<LatencyAnswer | null> {
    const range = entities.time_range;
    const to = range ? new Date(range.to) : now;
    const from = range ? new Date(range.from) : new Date(to.getTime() - HOUR_MS);
    const when = range?.expression ?? 'in the last hour';
    const named = new Set(
      entities.components.flatMap((mention) => [mention.text, mention.name]).map(lowered),
    );
    const written = [...question.matchAll(OPERATION_TOKEN)]
      .map((match) => match[0].replace(/[.:]+$/, ''))
      .filter((token) => !named.has(token.toLowerCase()) && !/^\d/.test(token));
    const window = { from, to };
    const timed = await this.repository.timedOperations(window);
    const byName = new Map(timed.map((operation) => [operation.toLowerCase(), operation]));
    const words = question.toLowerCase().match(/[a-z][\w.-]{3,}/g) ?? [];
    const asked = [
      ...new Set([
        ...written.map((token) => byName.get(token.toLowerCase()) ?? closest(token, timed)),
        ...words.map((word) => byName.get(word)),
      ]),
    ].filter((operation): operation is string => operation !== undefined);
    if (asked.length === 0) {
      if (written.length === 0) return null;
      const suggestions = suggest(written[0], timed);
      return {
        answer:
          `No operation named "${written[0]}" has timed calls ${when}` +
          (suggestions.length
            ? `; the timed operations closest to it: ${suggestions.join(', ')}.`
            : '.'),
        data: { error: 'operation not found', operation: written[0], did_you_mean: suggestions },
      };
    }
    const spanMs = to.getTime() - from.getTime();
    const [current, before] = await Promise.all([
      this.repository.operationLatencies(asked, window),
      this.repository.operationLatencies(asked, {
        from: new Date(from.getTime() - spanMs),
        to: from,
      }),
    ]);
    const wanted = percentilesAsked(question);
    const lines = current
      .sort((a, b) => b.samples - a.samples)
      .slice(0, 6)
      .map((row) => {
        const earlier = before.find(
          (item) => item.component_type === row.component_type && item.operation === row.operation,
        );
        const shown = wanted.map((p) => `p${p} ${valueOf(row, p)} ms`).join(', ');
        const was = earlier
          ? `; the ${describeSpan(spanMs)} before: ${wanted.map((p) => `p${p} ${valueOf(earlier, p)} ms`).join(', ')} over ${earlier.samples}`
          : '; no timed calls in the window before';
        return `${row.operation} on ${row.component_type}: ${shown} over ${row.samples} call(s) ${when}${was}`;
      });
    return {
      answer: lines.length
        ? `${lines.join('. ')}.`
        : `${asked.join(', ')} had no timed calls ${when} (${from.toISOString()} to ${to.toISOString()}).`,
      data: {
        operations: asked,
        percentiles: wanted,
        window: { from: from.toISOString(), to: to.toISOString() },
        current,
        previous_window: {
          from: new Date(from.getTime() - spanMs).toISOString(),
          to: from.toISOString(),
          rows: before,
        },
      },
    };
  }
}

function lowered(text: string): string {
  return text.toLowerCase();
}

/** The percentiles the question asks for (p50 for "median"), else p50, p95 and p99. */
function percentilesAsked(question: string): string[] {
  const asked = [...question.matchAll(PERCENTILE)].map((match) => (match[2] ? '50' : match[1]));
  const known = asked.filter((p) => ['50', '90', '95', '99'].includes(p));
  return known.length ? [...new Set(known)] : ['50', '95', '99'];
}

function valueOf(
  row: {
    p50_ms: number | null;
    p90_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
  },
  percentile: string,
): number | null {
  return (
    { '50': row.p50_ms, '90': row.p90_ms, '95': row.p95_ms, '99': row.p99_ms }[percentile] ?? null
  );
}

/** The operation one or two edits from `token` (a typo: fare.qoute), when exactly one is. */
function closest(token: string, operations: readonly string[]): string | undefined {
  const near = operations.filter(
    (operation) =>
      distance(token.toLowerCase(), operation.toLowerCase()) <= (token.length >= 8 ? 2 : 1),
  );
  return near.length === 1 ? near[0] : undefined;
}

function suggest(token: string, operations: readonly string[]): string[] {
  return operations
    .map((operation) => ({
      operation,
      distance: distance(token.toLowerCase(), operation.toLowerCase()),
    }))
    .filter((item) => item.distance <= Math.max(2, Math.floor(token.length / 3)))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map((item) => item.operation);
}
