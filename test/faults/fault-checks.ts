import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';

/** Acknowledged ids missing from the warm store, and ids stored more than once. */
export async function countRowsById(
  databaseUrl: string,
  ids: readonly string[],
): Promise<{ missing: string[]; duplicated: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; n: number }>(
      'SELECT id::text AS id, count(*)::int AS n FROM debug_events WHERE id = ANY($1::uuid[]) GROUP BY id',
      [ids],
    );
    const found = new Map(rows.map((row) => [row.id, row.n]));
    return {
      missing: ids.filter((id) => !found.has(id)),
      duplicated: rows.filter((row) => row.n > 1).map((row) => row.id),
    };
  } finally {
    await client.end();
  }
}

/**
 * Errors that would have killed a real process (uncaught exceptions, unhandled 'error' events)
 * seen while the test ran. Jest would otherwise report them against whichever test runs next.
 */
export function uncaughtErrors(): { seen: string[]; dispose(): void } {
  const seen: string[] = [];
  const record = (error: unknown) =>
    seen.push(error instanceof Error ? error.message : String(error));
  process.on('uncaughtException', record);
  return { seen, dispose: () => process.off('uncaughtException', record) };
}

const MB = 1024 * 1024;

/*
 * Bounds of memory over a fault phase (issue 20: "bounded RSS"), set from runs measured on a
 * 2-core machine (each suite prints its figures: `rss <suite>: …`), with room for a loaded CI
 * machine. A deliberate leak of 1 MB per ingested batch broke them within one phase.
 */
/** Peak RSS of a service process of its own (`node dist/src/main.js`); measured peaks 258 and 293 MB. */
export const SERVICE_PROCESS_RSS_CAP_MB = 1024;
/** RSS growth of a surviving service process from its warm point to the end; measured at most 91 MB. */
export const SERVICE_PROCESS_GROWTH_BOUND_MB = 256;
/**
 * RSS growth of this jest process (the app inside it) over a fault phase, after a full GC at
 * both ends; measured from -29 to +2 MB (protocol-fuzz: 78-93 MB, it passes its own bound).
 * A leak of 1 MB per ingested batch grew it 26-43 MB over the shortest phase (postgres-terminate).
 */
export const IN_PROCESS_RSS_GROWTH_BOUND_MB = 24;
/** Growth of the heap in use after a full GC, same phase; measured at most 6 MB. */
export const IN_PROCESS_HEAP_GROWTH_BOUND_MB = 16;

/** VmRSS of a process from /proc/<pid>/status, in bytes; null once it has exited (or off Linux). */
export function residentBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * A full collection of this process's heap, without --expose-gc on the command line (the test
 * script does not pass it): the flag set at runtime gives a new context a `gc` function.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export interface RssFigures {
  /** RSS when `warm` was called (after a full GC for this process). */
  warmMb: number | null;
  peakMb: number;
  /** RSS at `finish` (after a full GC for this process); null if the process had exited. */
  endMb: number | null;
  /** endMb - warmMb, when both are known. */
  growthMb: number | null;
  /** This process only: growth of the heap in use, each end after a full GC. */
  heapGrowthMb: number | null;
}

const SELF = 'jest+app';

/**
 * RSS of the processes a fault test runs, sampled every `everyMs` through the fault phase:
 * spawned service processes (VmRSS of their pid while they run), or this jest process when
 * the app runs inside it. The peak of a service process of its own is judged against a fixed
 * cap, and growth from `warm` (once it has done the work it will repeat) to `finish` tells a
 * leak from a working set. In this process only growth means anything (jest's own modules
 * and heap share it), read after a full GC at both ends, with the heap in use beside the RSS.
 * `finish` prints the figures, so that notes can quote them.
 */
export class RssSampler {
  private readonly sources = new Map<string, () => number | null>();
  private readonly figures = new Map<
    string,
    { warm: number | null; peak: number; warmHeap: number | null }
  >();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    everyMs = 50,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref(); // a test that fails before `finish` must not keep jest alive
  }

  /** This jest process, with the app under test inside it, as `jest+app`. */
  static ofThisProcess(label: string): RssSampler {
    const sampler = new RssSampler(label);
    sampler.sources.set(SELF, () => process.memoryUsage.rss());
    sampler.figures.set(SELF, { warm: null, peak: 0, warmHeap: null });
    sampler.sample();
    return sampler;
  }

  /** Samples a spawned service process as `name`, until it exits. */
  track(name: string, child: ChildProcess): void {
    this.sources.set(name, () =>
      child.exitCode === null && child.signalCode === null && child.pid !== undefined
        ? residentBytes(child.pid)
        : null,
    );
    this.figures.set(name, { warm: null, peak: 0, warmHeap: null });
    this.sample();
  }

  /** The baseline of `name` (default: this process): its RSS now. */
  warm(name = SELF): void {
    const figure = this.figures.get(name)!;
    if (name === SELF) {
      collectGarbage();
      figure.warmHeap = process.memoryUsage().heapUsed;
    }
    figure.warm = this.read(name);
  }

  /** Stops sampling (a test that failed before `finish`). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops sampling; the figures of every tracked process, also printed. */
  finish(): Record<string, RssFigures> {
    this.stop();
    const mb = (bytes: number | null) => (bytes === null ? null : Math.round(bytes / MB));
    const result: Record<string, RssFigures> = {};
    for (const [name, figure] of this.figures) {
      let heapGrowth: number | null = null;
      if (name === SELF) {
        collectGarbage();
        if (figure.warmHeap !== null) heapGrowth = process.memoryUsage().heapUsed - figure.warmHeap;
      }
      const end = this.read(name);
      result[name] = {
        warmMb: mb(figure.warm),
        peakMb: mb(figure.peak)!,
        endMb: mb(end),
        growthMb: figure.warm === null || end === null ? null : mb(end - figure.warm),
        heapGrowthMb: mb(heapGrowth),
      };
    }
    const shown = (value: number | null) => (value === null ? '-' : `${value} MB`);
    process.stdout.write(
      `rss ${this.label}: ${Object.entries(result)
        .map(
          ([name, one]) =>
            `${name} warm ${shown(one.warmMb)}, peak ${shown(one.peakMb)}, end ${shown(one.endMb)}, growth ${shown(one.growthMb)}` +
            (name === SELF ? `, heap in use growth ${shown(one.heapGrowthMb)}` : ''),
        )
        .join('; ')}\n`,
    );
    return result;
  }

  /** `finish`, and the in-process bounds asserted on this process's figures. */
  expectBoundedGrowth(rssGrowthBoundMb = IN_PROCESS_RSS_GROWTH_BOUND_MB): void {
    const figures = this.finish()[SELF];
    expect(figures.growthMb).toBeLessThan(rssGrowthBoundMb);
    expect(figures.heapGrowthMb).toBeLessThan(IN_PROCESS_HEAP_GROWTH_BOUND_MB);
  }

  private read(name: string): number | null {
    const now = this.sources.get(name)!();
    const figure = this.figures.get(name)!;
    if (now !== null) figure.peak = Math.max(figure.peak, now);
    return now;
  }

  private sample(): void {
    for (const name of this.sources.keys()) this.read(name);
  }
}
