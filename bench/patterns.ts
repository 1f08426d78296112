/**
 * Pattern grouping quality on Loghub-style data: every system's raw lines go through the
 * template miner that production uses (one configuration for all), and the grouping is
 * scored against the ground truth as grouping accuracy (GA). Same-run baseline: masking
 * every token that holds a digit, then exact matching (the first version of the service).
 *
 *   npm run bench:patterns -- [--data DIR] [--out DIR]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import type { PatternRepository } from '../src/patterns/pattern.repository.js';
import { PatternService } from '../src/patterns/pattern.service.js';
import { groupingAccuracy } from '../src/patterns/grouping-accuracy.js';
import { TemplateMiner } from '../src/patterns/template-miner.js';

interface SystemFormat {
  log_file?: string;
  header_regex: string;
}

/** Published GA of Drain tuned per system (Zhu et al. 2019), for the systems that have one. */
const DRAIN: Record<string, number> = {
  HDFS: 0.998,
  Hadoop: 0.948,
  Spark: 0.92,
  Zookeeper: 0.967,
  BGL: 0.963,
  Apache: 1.0,
  OpenSSH: 0.788,
  Linux: 0.69,
};

function parseArgs(argv: string[]): { data: string; out?: string; shuffle?: number } {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let data = resolve(repoRoot, '..', 'shared', 'data', 'loghub');
  let out: string | undefined;
  let shuffle: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data') data = resolve(argv[++i]);
    else if (argv[i] === '--out') out = resolve(argv[++i]);
    else if (argv[i] === '--shuffle') shuffle = Number(argv[++i]);
    else
      throw new Error(
        `unknown argument ${argv[i]} (expected --data DIR, --out DIR, --shuffle SEED)`,
      );
  }
  return { data, out, shuffle };
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

function messagesOf(logPath: string, headerRegex: string): string[] {
  // formats written for Python spell named groups (?P<name>…)
  const pattern = new RegExp(headerRegex.replace(/\(\?P</g, '(?<'));
  const lines = readFileSync(logPath, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => {
    const clean = line.replace(/\r/g, '');
    return pattern.exec(clean)?.groups?.Content ?? clean;
  });
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
  const started = process.hrtime.bigint();
  const rounds = 3;
  for (let round = 0; round < rounds; round++)
    for (const batch of batches) await service.assign(batch);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (rounds * events.length) / seconds;
}

async function main(): Promise<void> {
  const { data, out, shuffle } = parseArgs(process.argv.slice(2));
  const formats = JSON.parse(readFileSync(join(data, 'formats.json'), 'utf8')) as Record<
    string,
    SystemFormat
  >;
  console.log(
    `bench:patterns  data=${data}  cores=${cpus().length}  node=${process.version}` +
      (shuffle === undefined ? '' : `  arrival order shuffled (seed ${shuffle})`),
  );
  if (out) mkdirSync(out, { recursive: true });
  const messagesBySystem = new Map<string, string[]>();
  const rows: {
    system: string;
    ga: number;
    storedGa: number;
    singleGa: number;
    baseline: number;
    patterns: number;
    coldRate: number;
    warmRate: number;
  }[] = [];
  for (const [system, format] of Object.entries(formats)) {
    const logPath = join(data, format.log_file ?? join(system, `${system}_2k.log`));
    const messages = messagesOf(logPath, format.header_regex);
    messagesBySystem.set(system, messages);
    const miner = new TemplateMiner();
    const assigned: string[] = new Array(messages.length);
    const started = process.hrtime.bigint();
    // as the ingest worker stores them: each batch of 1,000 resolved when the batch ends
    const stored: string[] = new Array(messages.length);
    const order = arrivalOrder(messages.length, shuffle);
    for (let start = 0; start < order.length; start += 1000) {
      const batch = order.slice(start, start + 1000);
      for (const i of batch) assigned[i] = miner.match(messages[i]).id;
      for (const i of batch) stored[i] = miner.resolve(assigned[i]);
    }
    const coldSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    // steady state: the same messages again, patterns already learned (the ingest path's case)
    const warmStarted = process.hrtime.bigint();
    for (let round = 0; round < 5; round++) for (const message of messages) miner.match(message);
    const warmSeconds = Number(process.hrtime.bigint() - warmStarted) / 1e9;
    const finalIds = assigned.map((id) => miner.resolve(id));
    const predicted = new Map(finalIds.map((id, i) => [String(i + 1), id]));
    const baselineIds = digitMaskBaseline(messages);
    const baseline = new Map(baselineIds.map((id, i) => [String(i + 1), id]));
    const truth = loadTruth(logPath.replace(/\.log$/, '') + '.log_structured.csv');
    if (out)
      writeFileSync(
        join(out, `${system}.csv`),
        finalIds.map((id, i) => `${i + 1},${id}\n`).join(''),
      );
    if (!truth) {
      console.log(`${system.padEnd(12)} no ground truth (${logPath}_structured.csv): not scored`);
      continue;
    }
    const row = {
      system,
      ga: groupingAccuracy(truth, predicted),
      storedGa: groupingAccuracy(truth, new Map(stored.map((id, i) => [String(i + 1), id]))),
      singleGa: groupingAccuracy(truth, new Map(assigned.map((id, i) => [String(i + 1), id]))),
      baseline: groupingAccuracy(truth, baseline),
      patterns: miner.size,
      coldRate: messages.length / coldSeconds,
      warmRate: (5 * messages.length) / warmSeconds,
    };
    rows.push(row);
    const drain = DRAIN[system] === undefined ? '' : `  drain=${DRAIN[system].toFixed(3)}`;
    console.log(
      `${system.padEnd(12)} GA=${row.ga.toFixed(4)}  as-stored=${row.storedGa.toFixed(4)}/${row.singleGa.toFixed(4)}  baseline(digit-mask)=${row.baseline.toFixed(4)}${drain}` +
        `  lines=${messages.length}  patterns=${row.patterns}` +
        `  learning ${Math.round(row.coldRate)} msg/s, learned ${Math.round(row.warmRate)} msg/s`,
    );
  }
  const mean = (f: (r: (typeof rows)[number]) => number) =>
    rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const ga = mean((r) => r.ga);
  const storedGa = mean((r) => r.storedGa);
  const singleGa = mean((r) => r.singleGa);
  const base = mean((r) => r.baseline);
  const warm = mean((r) => r.warmRate);
  console.log(
    `miner throughput once patterns are learned: mean ${Math.round(warm)} msg/s (${(1e6 / warm).toFixed(1)} µs/msg, one core)`,
  );
  const assignRate = await assignCost(messagesBySystem);
  console.log(
    `PatternService.assign(), batches of 1000, patterns learned, DB writes excluded: ` +
      `${Math.round(assignRate)} events/s (${(1e6 / assignRate).toFixed(1)} µs/event, one core)`,
  );
  console.log(
    `mean GA of the ids as stored on events, no merge resolved later: batches of 1000 ${storedGa.toFixed(4)}, ` +
      `single events ${singleGa.toFixed(4)}`,
  );
  console.log(
    `mean GA=${ga.toFixed(4)} over ${rows.length} systems  baseline=${base.toFixed(4)}  ratio=${(ga / base).toFixed(3)}  bar=0.95 ${ga >= 0.95 ? 'MET' : 'NOT MET'}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
