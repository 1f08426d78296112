import type { OperationProgress, OperationStep } from '../api/client';

export interface WaterfallBar {
  step: OperationStep;
  start: number;
  end: number;
  critical: boolean;
}

function span(step: OperationStep): [number, number] {
  const start = Date.parse(step.started_at);
  const last = Date.parse(step.last_event_at);
  const end = Math.max(last, step.duration_ms ? start + step.duration_ms : last);
  return [start, end];
}

/**
 * Bars of an operation's steps, and its critical path: from the step that ended last, back
 * through the step that ended latest before each one began (the work each one waited on).
 */
export function waterfall(progress: OperationProgress): {
  bars: WaterfallBar[];
  from: number;
  to: number;
} {
  const bars = progress.steps.map((step) => {
    const [start, end] = span(step);
    return { step, start, end, critical: false };
  });
  if (bars.length === 0) return { bars, from: 0, to: 1 };
  let current = bars.reduce((latest, bar) => (bar.end > latest.end ? bar : latest));
  current.critical = true;
  for (;;) {
    const before = bars.filter((bar) => !bar.critical && bar.end <= current.start);
    if (before.length === 0) break;
    current = before.reduce((latest, bar) => (bar.end > latest.end ? bar : latest));
    current.critical = true;
  }
  const from = Math.min(...bars.map((bar) => bar.start));
  const to = Math.max(...bars.map((bar) => bar.end), from + 1);
  return { bars, from, to };
}
