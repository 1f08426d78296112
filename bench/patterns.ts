/**
 * Pattern grouping quality on Loghub-style data: every system's raw lines go through the
 * template miner that production uses (one configuration for all), and the grouping is
 * scored against the ground truth as grouping accuracy (GA). Same-run baseline: masking
 * every token that holds a digit, then exact matching (the first version of the service).
 *
 *   npm run bench:patterns -- [--data DIR] [--out DIR] [--systems A,B] [--no-synthetic] [--dev-logs]
 *                             [--set dev] [--explain]
 *
 * `--set dev` scores only the development sets (the dev half of Loghub and the dev invented
 * logs), so the held-out half and the check logs stay unseen while the miner is changed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import type { PatternRepository } from '../src/patterns/pattern.repository.js';
import { PatternService } from '../src/patterns/pattern.service.js';
import { groupingAccuracy } from '../src/patterns/grouping-accuracy.js';
import { TemplateMiner, type MinerOptions } from '../src/patterns/template-miner.js';
import { devLogs } from './pattern-dev-logs.js';
import { syntheticLogs, type SyntheticLog } from './pattern-synthetic-logs.js';

interface SystemFormat {
  log_file?: string;
  header_regex: string;
}

/**
 * Published grouping accuracy of Drain (tuned per system) on the 16 Loghub-2k systems: J. Zhu,
 * S. He, J. Liu, P. He, Q. Xie, Z. Zheng, M. R. Lyu, "Tools and Benchmarks for Automated Log
 * Parsing", ICSE-SEIP 2019, Table III (mean 0.865).
 */
const DRAIN: Record<string, number> = {
  HDFS: 0.998,
  Hadoop: 0.948,
  Spark: 0.92,
  Zookeeper: 0.967,
  OpenStack: 0.733,
  BGL: 0.963,
  HPC: 0.887,
  Thunderbird: 0.955,
  Windows: 0.997,
  Linux: 0.69,
  Mac: 0.787,
  Android: 0.911,
  HealthApp: 0.78,
  Apache: 1.0,
  OpenSSH: 0.788,
  Proxifier: 0.527,
};

interface Args {
  data: string;
  out?: string;
  shuffle?: number;
  /** Only these systems of the data (the development half while tuning). */
  systems?: Set<string>;
  synthetic: boolean;
  /** Also score the development set of invented logs (bench/pattern-dev-logs.ts). */
  devLogs: boolean;
  /** For the sensitivity study in docs/patterns.md only; production uses the default. */
  generalizeAfter?: number;
  /** Print, per set, the ground-truth events split over several patterns or merged into one. */
  explain: boolean;
}

/** The development half of the eight Loghub samples; the other half is held out. */
const DEV_SYSTEMS = ['HDFS', 'Hadoop', 'OpenSSH', 'Linux'];

function parseArgs(argv: string[]): Args {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const args: Args = {
    data: resolve(repoRoot, '..', 'shared', 'data', 'loghub'),
    synthetic: true,
    devLogs: false,
    explain: false,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data') args.data = resolve(argv[++i]);
    else if (argv[i] === '--out') args.out = resolve(argv[++i]);
    else if (argv[i] === '--shuffle') args.shuffle = Number(argv[++i]);
    else if (argv[i] === '--systems') args.systems = new Set(argv[++i].split(','));
    else if (argv[i] === '--no-synthetic') args.synthetic = false;
    else if (argv[i] === '--dev-logs') args.devLogs = true;
    else if (argv[i] === '--generalize-after') args.generalizeAfter = Number(argv[++i]);
    else if (argv[i] === '--explain') args.explain = true;
    else if (argv[i] === '--set') {
      const set = argv[++i];
      if (set !== 'dev') throw new Error(`--set ${set}: only "dev" is a set`);
      args.systems = new Set(DEV_SYSTEMS);
      args.synthetic = false;
      args.devLogs = true;
    } else
      throw new Error(
        `unknown argument ${argv[i]} (expected --data DIR, --out DIR, --shuffle SEED, --systems A,B, --no-synthetic, --dev-logs, --set dev, --explain)`,
      );
  }
  return args;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes, CRLF, BOM. */
export function parseCsv(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let started = false;
  const endRow = () => {
    if (started || field !== '' || row.length) {
      row.push(field);
      rows.push(row);
    }
    row = [];
    field = '';
    started = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') {
      quoted = true;
      started = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      started = true;
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += c;
      started = true;
    }
  }
  endRow();
  return rows;
}

/** Cells pandas reads as missing: such lines have no ground-truth event and are not scored. */
const MISSING = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

function loadTruth(path: string): Map<string, string> | null {
  if (!existsSync(path)) return null;
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const line = header.indexOf('LineId');
  const event = header.indexOf('EventId');
  if (line < 0 || event < 0) throw new Error(`${path}: needs LineId and EventId columns`);
  const truth = new Map<string, string>();
  for (const row of rows) {
    const key = row[event] ?? '';
    if (!MISSING.has(key)) truth.set(row[line].trim(), key);
  }
  return truth;
}

/**
 * The `Content` of each line that matches the system's format, in order. As Loghub's
 * `logparser` builds the ground truth: each line stripped, a line that does not match skipped,
 * and `LineId` counting the lines that matched (so the ids of `--out` and of the truth agree).
 */
function messagesOf(logPath: string, headerRegex: string): { messages: string[]; skipped: number } {
  // formats written for Python spell named groups (?P<name>…)
  const pattern = new RegExp(headerRegex.replace(/\(\?P</g, '(?<'));
  const lines = readFileSync(logPath, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const messages: string[] = [];
  for (const line of lines) {
    const content = pattern.exec(line.trim())?.groups?.Content;
    if (content !== undefined) messages.push(content);
  }
  return { messages, skipped: lines.length - messages.length };
}

/** Line numbers in a seeded random order (to check that arrival order does not matter). */
function arrivalOrder(count: number, seed: number | undefined): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (seed === undefined) return order;
  let state = seed >>> 0 || 1;
  const next = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function digitMaskBaseline(messages: string[]): string[] {
  return messages.map((m) =>
    m
      .split(/\s+/)
      .map((t) => (/\d/.test(t) ? '<*>' : t))
      .join(' '),
  );
}

/**
 * The ingest path's cost: PatternService.assign() on batches of 1,000 events, patterns
 * learned, with the debug_patterns writes left out (a repository that stores nothing), so
 * the figure is the per-event work: masking, lookup, per-batch aggregation of the counts.
 */
async function assignCost(messagesBySystem: Map<string, string[]>): Promise<number> {
  const nothingStored = {
    changedSince: async () => [],
    spansSince: async () => [],
    record: async () => undefined,
  } as unknown as PatternRepository;
  const service = new PatternService(nothingStored);
  const now = Date.now();
  const events: DebugEventRecord[] = [];
  for (const [system, messages] of messagesBySystem) {
    messages.forEach((message, i) =>
      events.push({
        id: `${system}-${i}`,
        timestamp: new Date(now + i).toISOString(),
        event_type: 'log',
        level: i % 7 === 0 ? 'error' : 'info',
        component_type: system,
        component_id: `${system}-${i % 5}`,
        correlation_id: null,
        parent_event_id: null,
        operation: null,
        duration_ms: null,
        message,
        data: null,
        metadata: null,
        session_id: null,
        pattern_id: null,
        ingested_at: new Date(now).toISOString(),
      }),
    );
  }
  const batches: DebugEventRecord[][] = [];
  for (let i = 0; i < events.length; i += 1000) batches.push(events.slice(i, i + 1000));
  for (const batch of batches) await service.assign(batch); // learn
  const started = cpuSeconds();
  const rounds = 3;
  for (let round = 0; round < rounds; round++)
    for (const batch of batches) await service.assign(batch);
  const seconds = cpuSeconds() - started;
  return (rounds * events.length) / seconds;
}

/**
 * CPU time of this process, not wall time: on a machine shared with other work the wall
 * clock also counts the time spent waiting for a core, which says nothing about the miner.
 */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const WARM_ROUNDS = 20;
const NEW_VALUE_ROUNDS = 5;

interface Row {
  system: string;
  ga: number;
  storedGa: number;
  singleGa: number;
  baseline: number;
  patterns: number;
  coldRate: number;
  warmRate: number;
  /** Learned patterns, messages never seen (numbers of new widths). */
  newValueRate: number;
}

/**
 * Feeds one system's messages through a fresh miner as the ingest worker does (batches of
 * 1,000, each resolved when its batch ends) and scores the final grouping against the truth.
 */
function scoreSystem(
  system: string,
  messages: string[],
  truth: Map<string, string>,
  shuffle: number | undefined,
  options: Partial<MinerOptions>,
): { row: Row; finalIds: string[]; templates: Map<string, string> } {
  const miner = new TemplateMiner(options);
  const assigned: string[] = new Array(messages.length);
  const started = cpuSeconds();
  const stored: string[] = new Array(messages.length);
  const order = arrivalOrder(messages.length, shuffle);
  for (let start = 0; start < order.length; start += 1000) {
    const batch = order.slice(start, start + 1000);
    for (const i of batch) assigned[i] = miner.match(messages[i]).id;
    for (const i of batch) stored[i] = miner.resolve(assigned[i]);
  }
  const coldSeconds = cpuSeconds() - started;
  // the grouping the data's own messages produced: the rounds below measure speed only
  const finalIds = assigned.map((id) => miner.resolve(id));
  const templates = new Map(finalIds.map((id) => [id, miner.template(id)?.template ?? id]));
  // steady state: the same messages again, patterns already learned (the ingest path's case)
  const warmStarted = cpuSeconds();
  for (let round = 0; round < WARM_ROUNDS; round++)
    for (const message of messages) miner.match(message);
  const warmSeconds = cpuSeconds() - warmStarted;
  // the worst case for the caches: every number one digit wider than ever seen, each round
  const widened = Array.from({ length: NEW_VALUE_ROUNDS }, (_, round) =>
    messages.map((m) => m.replace(/\d+/g, (n) => '7'.repeat(round + 1) + n)),
  );
  const newStarted = cpuSeconds();
  for (const round of widened) for (const message of round) miner.match(message);
  const newSeconds = cpuSeconds() - newStarted;
  const byLine = (ids: string[]) => new Map(ids.map((id, i) => [String(i + 1), id]));
  return {
    finalIds,
    templates,
    row: {
      system,
      ga: groupingAccuracy(truth, byLine(finalIds)),
      storedGa: groupingAccuracy(truth, byLine(stored)),
      singleGa: groupingAccuracy(truth, byLine(assigned)),
      baseline: groupingAccuracy(truth, byLine(digitMaskBaseline(messages))),
      patterns: miner.size,
      coldRate: messages.length / coldSeconds,
      warmRate: (WARM_ROUNDS * messages.length) / warmSeconds,
      newValueRate: (NEW_VALUE_ROUNDS * messages.length) / newSeconds,
    },
  };
}

/**
 * Where a grouping loses: every ground-truth event whose lines got several patterns (split),
 * and every pattern that holds lines of several events (merged), largest first, with the
 * templates and an example line.
 */
function explain(
  messages: string[],
  truth: Map<string, string>,
  finalIds: string[],
  templates: ReadonlyMap<string, string>,
): void {
  const byEvent = new Map<string, Map<string, number[]>>();
  const byPattern = new Map<string, Map<string, number[]>>();
  finalIds.forEach((id, i) => {
    const event = truth.get(String(i + 1));
    if (event === undefined) return;
    const add = (index: Map<string, Map<string, number[]>>, a: string, b: string) => {
      let inner = index.get(a);
      if (!inner) index.set(a, (inner = new Map()));
      let lines = inner.get(b);
      if (!lines) inner.set(b, (lines = []));
      lines.push(i);
    };
    add(byEvent, event, id);
    add(byPattern, id, event);
  });
  const lineCount = (inner: Map<string, number[]>) =>
    [...inner.values()].reduce((s, l) => s + l.length, 0);
  const template = (id: string) => templates.get(id) ?? id;
  const split = [...byEvent].filter(([, ids]) => ids.size > 1);
  split.sort((a, b) => lineCount(b[1]) - lineCount(a[1]));
  for (const [event, ids] of split) {
    console.log(`  SPLIT  ${event} (${lineCount(ids)} lines, ${ids.size} patterns)`);
    const parts = [...ids].sort((a, b) => b[1].length - a[1].length);
    for (const [id, lines] of parts.slice(0, 6))
      console.log(
        `    ${String(lines.length).padStart(5)}  ${template(id)}\n           e.g. ${messages[lines[0]]}`,
      );
    if (parts.length > 6) console.log(`    … ${parts.length - 6} more`);
  }
  const merged = [...byPattern].filter(([, events]) => events.size > 1);
  merged.sort((a, b) => lineCount(b[1]) - lineCount(a[1]));
  for (const [id, events] of merged) {
    console.log(`  MERGED ${template(id)} (${lineCount(events)} lines)`);
    for (const [event, lines] of events)
      console.log(`    ${String(lines.length).padStart(5)}  ${event}  e.g. ${messages[lines[0]]}`);
  }
}

function printRow(row: Row, drain: number | undefined): void {
  const flags: string[] = [];
  if (row.ga < row.baseline) flags.push('BELOW digit-mask baseline');
  if (drain !== undefined && row.ga < drain) flags.push('BELOW published Drain');
  console.log(
    `${row.system.padEnd(16)} GA=${row.ga.toFixed(4)}  baseline(digit-mask)=${row.baseline.toFixed(4)}` +
      `  drain(published)=${drain === undefined ? '  -  ' : drain.toFixed(3)}` +
      `  as-stored=${row.storedGa.toFixed(4)}/${row.singleGa.toFixed(4)}  patterns=${row.patterns}` +
      `  msg/s per CPU second: learning ${Math.round(row.coldRate)}, learned ${Math.round(row.warmRate)}, learned with new values ${Math.round(row.newValueRate)}` +
      (flags.length ? `  <-- ${flags.join(', ')}` : ''),
  );
}

function summarize(label: string, rows: Row[], bar: number | undefined): void {
  if (!rows.length) return;
  const mean = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const ga = mean((r) => r.ga);
  const base = mean((r) => r.baseline);
  const below = rows.filter((r) => r.ga < r.baseline).map((r) => r.system);
  console.log(
    `${label}: mean GA=${ga.toFixed(4)} over ${rows.length}  baseline(digit-mask)=${base.toFixed(4)}` +
      (bar === undefined ? '' : `  bar=${bar} ${ga >= bar ? 'MET' : 'NOT MET'}`) +
      `  below baseline: ${below.length ? below.join(', ') : 'none'}`,
  );
}

async function main(): Promise<void> {
  const {
    data,
    out,
    shuffle,
    systems,
    synthetic,
    devLogs: dev,
    generalizeAfter,
    explain: explaining,
  } = parseArgs(process.argv.slice(2));
  const options: Partial<MinerOptions> = generalizeAfter ? { generalizeAfter } : {};
  const formats = JSON.parse(readFileSync(join(data, 'formats.json'), 'utf8')) as Record<
    string,
    SystemFormat
  >;
  console.log(
    `bench:patterns  data=${data}  cores=${cpus().length}  node=${process.version}` +
      (shuffle === undefined ? '' : `  arrival order shuffled (seed ${shuffle})`) +
      (systems ? `  systems=${[...systems].join(',')}` : '') +
      (generalizeAfter ? `  generalizeAfter=${generalizeAfter} (not the default)` : ''),
  );
  if (out) mkdirSync(out, { recursive: true });
  const messagesBySystem = new Map<string, string[]>();
  const rows: Row[] = [];
  for (const [system, format] of Object.entries(formats)) {
    if (systems && !systems.has(system)) continue;
    const logPath = join(data, format.log_file ?? join(system, `${system}_2k.log`));
    if (!existsSync(logPath)) {
      console.log(`${system.padEnd(16)} no log file (${logPath}): not scored`);
      continue;
    }
    const { messages, skipped } = messagesOf(logPath, format.header_regex);
    if (skipped > 0)
      console.log(
        `${system.padEnd(16)} ${skipped} line(s) do not match the format: skipped, as logparser does (LineId counts the lines that match)`,
      );
    messagesBySystem.set(system, messages);
    // Loghub's file, or the corrected one of Loghub-2.0 (Khan et al. 2022) when only it is there
    const truth =
      loadTruth(`${logPath}_structured.csv`) ?? loadTruth(`${logPath}_structured_corrected.csv`);
    if (!truth) {
      console.log(`${system.padEnd(16)} no ground truth (${logPath}_structured.csv): not scored`);
      continue;
    }
    const { row, finalIds, templates } = scoreSystem(system, messages, truth, shuffle, options);
    if (explaining) explain(messages, truth, finalIds, templates);
    if (out)
      writeFileSync(
        join(out, `${system}.csv`),
        finalIds.map((id, i) => `${i + 1},${id}\n`).join(''),
      );
    rows.push(row);
    printRow(row, DRAIN[system]);
  }
  summarize('Loghub', rows, 0.98);
  const scoreInvented = (label: string, logs: SyntheticLog[]) => {
    console.log(label);
    const inventedRows: Row[] = [];
    for (const log of logs) {
      const truth = new Map(log.events.map((event, i) => [String(i + 1), event]));
      const { row, finalIds, templates } = scoreSystem(
        log.system,
        log.messages,
        truth,
        shuffle,
        options,
      );
      if (explaining) explain(log.messages, truth, finalIds, templates);
      inventedRows.push(row);
      printRow(row, undefined);
    }
    return inventedRows;
  };
  if (dev)
    summarize(
      'dev invented',
      scoreInvented(
        'invented logs for development (bench/pattern-dev-logs.ts, truth = format strings):',
        devLogs(),
      ),
      undefined,
    );
  if (synthetic)
    summarize(
      'invented',
      scoreInvented(
        'invented logs of other shapes (bench/pattern-synthetic-logs.ts, truth = format strings):',
        syntheticLogs(),
      ),
      undefined,
    );
  const warm = rows.reduce((s, r) => s + r.warmRate, 0) / Math.max(1, rows.length);
  const fresh = rows.reduce((s, r) => s + r.newValueRate, 0) / Math.max(1, rows.length);
  console.log(
    `miner throughput once patterns are learned (one core, per CPU second): messages seen before ${Math.round(warm)} msg/s (${(1e6 / warm).toFixed(1)} µs/msg); ` +
      `every number of a new width ${Math.round(fresh)} msg/s (${(1e6 / fresh).toFixed(1)} µs/msg)` +
      `  bar=200000 on messages seen before ${warm >= 200_000 ? 'MET' : 'NOT MET'}`,
  );
  const assignRate = await assignCost(messagesBySystem);
  console.log(
    `PatternService.assign(), batches of 1000, patterns learned, DB writes excluded: ` +
      `${Math.round(assignRate)} events/s per CPU second (${(1e6 / assignRate).toFixed(1)} µs/event, one core)`,
  );
  const mean = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  console.log(
    `mean GA of the ids as stored on events, no merge resolved later: batches of 1000 ${mean((r) => r.storedGa).toFixed(4)}, ` +
      `single events ${mean((r) => r.singleGa).toFixed(4)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
