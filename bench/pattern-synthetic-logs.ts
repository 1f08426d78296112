/**
 * Invented logs of shapes that are not in Loghub, with a ground truth defined here: an extra
 * held-out check for bench:patterns. Written before the miner was tuned, and not tuned on:
 * the event of a line is the format string its (imagined) program logged it with, so every
 * value filled into a format (user names, reasons, hosts, SQL text, user agents) is a variable,
 * whatever its shape and however few values it takes.
 */
export interface SyntheticLog {
  system: string;
  messages: string[];
  /** Event (format string) of each message. */
  events: string[];
}

export type Pick = <T>(values: readonly T[]) => T;

export interface Ctx {
  pick: Pick;
  int: (lo: number, hi: number) => number;
  hex: (n: number) => string;
  word: () => string;
}

export type Event = [name: string, render: (c: Ctx) => string];

const HOSTS = ['api.example.org', 'auth.internal', 'db-primary.local', 'cdn.example.net', 'edge'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'mallory', 'oscar'];
const AGENTS = [
  'curl/8.5.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Go-http-client/1.1',
  'kube-probe/1.29',
];
const PATHS = ['/api/v1/orders', '/api/v1/users/me', '/healthz', '/static/app.js', '/login', '/'];

function ip(c: Ctx): string {
  return `10.${c.int(0, 255)}.${c.int(0, 255)}.${c.int(1, 254)}`;
}

function path(c: Ctx): string {
  const p = c.pick(PATHS);
  return c.int(0, 2) === 0 ? `${p}?page=${c.int(1, 9)}&sort=${c.pick(['asc', 'desc'])}` : p;
}

const WEB: Event[] = [
  [
    'access',
    (c) =>
      `${ip(c)} - ${c.pick(['-', ...USERS])} "${c.pick(['GET', 'POST', 'PUT', 'DELETE'])} ${path(c)} HTTP/1.1" ${c.pick(['200', '201', '304', '404', '500'])} ${c.int(0, 90000)} "-" "${c.pick(AGENTS)}"`,
  ],
  [
    'upstream-timeout',
    (c) =>
      `upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${ip(c)}, server: ${c.pick(HOSTS)}, request: "GET ${path(c)} HTTP/1.1", upstream: "http://${ip(c)}:8080${c.pick(PATHS)}", host: "${c.pick(HOSTS)}"`,
  ],
  [
    'open-failed',
    (c) =>
      `open() "/var/www/html${c.pick(PATHS)}${c.pick(['favicon.ico', 'robots.txt', 'index.html'])}" failed (2: No such file or directory), client: ${ip(c)}, server: ${c.pick(HOSTS)}`,
  ],
  [
    'client-closed',
    (c) =>
      `client closed connection while waiting for request, client: ${ip(c)}, server: ${c.pick(HOSTS)}:${c.pick(['80', '443'])}`,
  ],
  [
    'worker-exited',
    (c) => `worker process ${c.int(100, 60000)} exited on signal ${c.pick(['9', '11', '15'])}`,
  ],
  [
    'limiting',
    (c) =>
      `limiting requests, excess: ${c.int(1, 99)}.${c.int(100, 999)} by zone "${c.pick(['api', 'login', 'search'])}", client: ${ip(c)}`,
  ],
];

const KV: Event[] = [
  [
    'login',
    (c) =>
      `level=info msg="user logged in" user=${c.pick(USERS)} tenant=${c.pick(['acme', 'globex', 'initech'])} method=${c.pick(['password', 'sso', 'token'])}`,
  ],
  [
    'cache-miss',
    (c) =>
      `level=debug msg="cache miss" key=users:${c.pick(USERS)} region=${c.pick(['eu-west', 'us-east', 'ap-south'])}`,
  ],
  [
    'payment-failed',
    (c) =>
      `level=error msg="payment failed" order=ord_${c.hex(10)} reason=${c.pick(['card_declined', 'insufficient_funds', 'expired_card', 'fraud_suspected', 'processing_error'])} amount=${c.int(1, 999)}.${c.int(10, 99)}`,
  ],
  [
    'request-done',
    (c) =>
      `level=info msg="request completed" route=${c.pick(PATHS)} status=${c.pick(['200', '204', '400', '503'])} took=${c.int(1, 900)}ms upstream=${c.pick(HOSTS)}`,
  ],
  [
    'retry',
    (c) =>
      `level=warn msg="retrying call" service=${c.pick(['billing', 'inventory', 'shipping', 'search', 'mailer'])} attempt=${c.int(1, 5)} backoff=${c.int(100, 5000)}ms`,
  ],
  [
    'flags',
    (c) => {
      const flags = ['dark_mode', 'beta_checkout', 'new_search', 'fast_path', 'audit'];
      const n = c.int(1, 4);
      return `level=info msg="feature flags loaded" flags=[${flags.slice(0, n).join(', ')}] source=${c.pick(['remote', 'file'])}`;
    },
  ],
  [
    'shutdown',
    (c) =>
      `level=info msg="shutting down" signal=${c.pick(['SIGTERM', 'SIGINT'])} pending=${c.int(0, 40)}`,
  ],
];

const KUBE: Event[] = [
  [
    'pulling',
    (c) =>
      `Pulling image "${c.pick(['nginx', 'redis', 'registry.example.org/shop/api'])}:${c.int(1, 9)}.${c.int(0, 30)}.${c.int(0, 9)}"`,
  ],
  [
    'pulled',
    (c) =>
      `Successfully pulled image "${c.pick(['nginx', 'redis', 'busybox'])}:latest" in ${c.int(100, 9000)}ms (${c.int(100, 9000)}ms including waiting)`,
  ],
  [
    'started',
    (c) => `Started container ${c.pick(['api', 'worker', 'sidecar', 'nginx', 'migrate'])}`,
  ],
  [
    'assigned',
    (c) =>
      `Successfully assigned ${c.pick(['default', 'shop', 'kube-system'])}/${c.pick(['api', 'web', 'worker'])}-${c.hex(9)}-${c.hex(5)} to ${c.pick(['worker-east', 'worker-west', 'node-a', 'gpu-pool'])}`,
  ],
  [
    'backoff',
    (c) =>
      `Back-off restarting failed container ${c.pick(['api', 'worker', 'sidecar'])} in pod ${c.pick(['api', 'web', 'worker'])}-${c.hex(9)}-${c.hex(5)}_${c.pick(['default', 'shop'])}(${c.hex(8)}-${c.hex(4)}-${c.hex(4)}-${c.hex(4)}-${c.hex(12)})`,
  ],
  [
    'liveness',
    (c) =>
      `Liveness probe failed: Get "http://${ip(c)}:${c.pick(['8080', '9090'])}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
  ],
  [
    'readiness',
    (c) =>
      `Readiness probe failed: HTTP probe failed with statuscode: ${c.pick(['500', '503', '404'])}`,
  ],
  [
    'exception',
    (c) =>
      `Exception in thread "${c.pick(['main', 'pool-1-thread-3', 'kafka-consumer'])}" java.lang.${c.pick(['IllegalStateException', 'NullPointerException', 'IllegalArgumentException'])}: ${c.pick(['Connection pool exhausted', 'value was null', 'bad request body'])}`,
  ],
  [
    'caused-by',
    (c) =>
      `Caused by: java.net.${c.pick(['ConnectException', 'SocketTimeoutException'])}: ${c.pick(['Connection refused', 'Read timed out', 'connect timed out'])} (${c.pick(HOSTS)}:${c.int(80, 9999)})`,
  ],
  [
    'evicted',
    (c) =>
      `The node was low on resource: ${c.pick(['memory', 'ephemeral-storage'])}. Container ${c.pick(['api', 'worker'])} was using ${c.int(10, 900)}Mi, which exceeds its request of ${c.int(10, 900)}Mi.`,
  ],
];

const COLUMNS = ['id', 'name', 'email', 'created_at', 'total', 'status'];
function sql(c: Ctx): string {
  const columns = COLUMNS.slice(0, c.int(1, COLUMNS.length)).join(', ');
  const table = c.pick(['users', 'orders', 'items', 'payments']);
  return c.pick([
    `SELECT ${columns} FROM ${table} WHERE id = ${c.int(1, 99999)}`,
    `UPDATE ${table} SET status = '${c.pick(['paid', 'shipped', 'void'])}' WHERE id = ${c.int(1, 99999)}`,
    `DELETE FROM ${table} WHERE created_at < now() - interval '${c.int(1, 90)} days'`,
  ]);
}

const DB: Event[] = [
  ['duration', (c) => `duration: ${c.int(1, 9000)}.${c.int(100, 999)} ms  statement: ${sql(c)}`],
  [
    'conn-received',
    (c) => `connection received: host=${c.pick([...HOSTS, '[local]'])} port=${c.int(1024, 65000)}`,
  ],
  [
    'conn-authorized',
    (c) =>
      `connection authorized: user=${c.pick(['app', 'replicator', 'postgres', 'reporting'])} database=${c.pick(['orders', 'analytics', 'postgres'])} application_name=${c.pick(['psql', 'pgbouncer', 'api'])}`,
  ],
  [
    'checkpoint-start',
    (c) => `checkpoint starting: ${c.pick(['time', 'wal', 'immediate force wait'])}`,
  ],
  [
    'checkpoint-done',
    (c) =>
      `checkpoint complete: wrote ${c.int(1, 9999)} buffers (${c.int(0, 99)}.${c.int(0, 9)}%); ${c.int(0, 9)} WAL file(s) added, ${c.int(0, 9)} removed, ${c.int(0, 9)} recycled; write=${c.int(0, 300)}.${c.int(100, 999)} s`,
  ],
  ['reset', () => `could not receive data from client: Connection reset by peer`],
  [
    'shutdown-at',
    (c) =>
      `database system was shut down at 2025-${c.int(10, 12)}-${c.int(10, 28)} ${c.int(10, 23)}:${c.int(10, 59)}:${c.int(10, 59)} UTC`,
  ],
  [
    'no-relation',
    (c) =>
      `relation "${c.pick(['foo_bar', 'public.orders_old', 'tmp_import', 'audit_log'])}" does not exist`,
  ],
  [
    'deadlock',
    (c) =>
      `Process ${c.int(100, 9999)} waits for ${c.pick(['ShareLock', 'ExclusiveLock', 'AccessExclusiveLock'])} on transaction ${c.int(1000, 999999)}; blocked by process ${c.int(100, 9999)}.`,
  ],
  [
    'vacuum',
    (c) =>
      `automatic vacuum of table "${c.pick(['orders', 'analytics'])}.public.${c.pick(['items', 'users', 'events'])}": index scans: ${c.int(0, 3)}`,
  ],
];

function context(seed: number): Ctx {
  let state = seed >>> 0 || 1;
  const next = () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    pick: (values) => values[Math.floor(next() * values.length)],
    int,
    hex: (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join(''),
    word: () =>
      Array.from({ length: int(3, 8) }, () => 'abcdefghijklmnopqrstuvwxyz'[int(0, 25)]).join(''),
  };
}

export function generate(
  system: string,
  events: Event[],
  lines: number,
  seed: number,
): SyntheticLog {
  const c = context(seed);
  // a skewed mix, as real logs are: a few events make most of the lines
  const weights = events.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const out: SyntheticLog = { system, messages: [], events: [] };
  for (let i = 0; i < lines; i++) {
    let r = (c.int(0, 1_000_000) / 1_000_000) * total;
    let at = 0;
    while (at < events.length - 1 && (r -= weights[at]) > 0) at++;
    out.messages.push(events[at][1](c));
    out.events.push(events[at][0]);
  }
  return out;
}

export function syntheticLogs(lines = 2000): SyntheticLog[] {
  return [
    generate('web-server', WEB, lines, 11),
    generate('key-value', KV, lines, 12),
    generate('kubernetes-java', KUBE, lines, 13),
    generate('database', DB, lines, 14),
  ];
}
