/**
 * Invented logs for developing the miner (`bench:patterns -- --dev-logs`), written before the
 * miner changes they were used for, as a development set separate from the check set
 * (`pattern-synthetic-logs.ts` and the held-out Loghub half). Same ground truth: the event of
 * a line is the format string its (imagined) program logged it with, so everything filled
 * into a format is a variable. They lean on values of a variable number of tokens: lists,
 * multi-word reasons, commands, unit descriptions, optional parts.
 */
import { generate, type Ctx, type Event, type SyntheticLog } from './pattern-synthetic-logs.js';

const PEOPLE = ['ana', 'boris', 'chen', 'dilnoza', 'emeka', 'farah', 'gustav', 'hiro', 'ines'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.test', 'shop.example.net'];

function email(c: Ctx): string {
  return `${c.pick(PEOPLE)}${c.pick(['', '.work', '+news'])}@${c.pick(DOMAINS)}`;
}

function ipv4(c: Ctx): string {
  return `${c.int(11, 223)}.${c.int(0, 255)}.${c.int(0, 255)}.${c.int(1, 254)}`;
}

function queueId(c: Ctx): string {
  return c.hex(10).toUpperCase();
}

function remoteHost(c: Ctx): string {
  return c.pick(['unknown', 'mx1.example.org', 'mail-ed1-f54.google.test', 'smtp.corp.test']);
}

/** Comma-free words of a free-text reason, a different number each time. */
function listOf(c: Ctx, items: readonly string[], joiner: string): string {
  const n = c.int(1, items.length);
  const start = c.int(0, items.length - n);
  return items.slice(start, start + n).join(joiner);
}

const MAIL: Event[] = [
  [
    'sent',
    (c) =>
      `${queueId(c)}: to=<${email(c)}>, relay=${c.pick([`${remoteHost(c)}[${ipv4(c)}]:25`, 'local', 'dovecot'])}, delay=${c.int(0, 9)}.${c.int(1, 9)}, delays=${c.int(0, 3)}.${c.int(0, 9)}/0/${c.int(0, 2)}.${c.int(0, 9)}/0.${c.int(1, 9)}, dsn=2.0.0, status=sent (${c.pick(['250 2.0.0 Ok: queued as ' + queueId(c), 'delivered to mailbox', '250 Message accepted for delivery'])})`,
  ],
  [
    'from',
    (c) =>
      `${queueId(c)}: from=<${email(c)}>, size=${c.int(400, 90000)}, nrcpt=${c.int(1, 9)} (queue active)`,
  ],
  ['connect', (c) => `connect from ${remoteHost(c)}[${ipv4(c)}]`],
  [
    'disconnect',
    (c) => {
      const counters = [
        'ehlo=1',
        'starttls=1',
        'mail=1',
        `rcpt=${c.int(0, 3)}/1`,
        'data=1',
        'quit=1',
      ];
      const n = c.int(2, counters.length);
      return `disconnect from ${remoteHost(c)}[${ipv4(c)}] ${counters.slice(0, n).join(' ')} commands=${n}/${n}`;
    },
  ],
  [
    'deferred',
    (c) =>
      `${queueId(c)}: to=<${email(c)}>, relay=none, delay=${c.int(1, 900)}, status=deferred (${c.pick(
        [
          `connect to ${remoteHost(c)}[${ipv4(c)}]:25: Connection timed out`,
          `host ${remoteHost(c)}[${ipv4(c)}] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)`,
          'Host or domain name not found. Name service error for name=corp.test type=MX: Host not found, try again',
          'delivery temporarily suspended: lost connection with remote server',
        ],
      )})`,
  ],
  [
    'reject',
    (c) =>
      `NOQUEUE: reject: RCPT from ${remoteHost(c)}[${ipv4(c)}]: 554 5.7.1 <${email(c)}>: ${c.pick(['Relay access denied', 'Recipient address rejected: User unknown in local recipient table', 'Client host rejected: cannot find your hostname'])}; from=<${email(c)}> to=<${email(c)}> proto=ESMTP helo=<${c.pick(['localhost', 'mx1.example.org', 'WIN-SERVER'])}>`,
  ],
  ['removed', (c) => `${queueId(c)}: removed`],
  [
    'no-resolve',
    (c) =>
      `warning: hostname ${remoteHost(c)} does not resolve to address ${ipv4(c)}: ${c.pick(['Name or service not known', 'Temporary failure in name resolution'])}`,
  ],
];

const TOPICS = ['orders', 'payments', 'refunds', 'inventory-updates', 'audit'];
const BROKER: Event[] = [
  [
    'processed',
    (c) =>
      `Processed batch of ${c.int(1, 500)} messages from topic ${c.pick(TOPICS)} in ${c.int(1, 2000)} ms (lag ${c.int(0, 99999)})`,
  ],
  [
    'assigned',
    (c) =>
      `Partitions assigned to consumer ${c.pick(['billing', 'search-indexer', 'mailer'])}: ${listOf(
        c,
        TOPICS.map((t) => `${t}-${c.int(0, 11)}`),
        ', ',
      )}`,
  ],
  [
    'revoking',
    (c) => `Revoking previously assigned partitions for topics: ${listOf(c, TOPICS, ', ')}`,
  ],
  [
    'delivery-failed',
    (c) =>
      `Failed to deliver message to ${c.pick(TOPICS)}: ${c.pick(['Broker: Not enough in-sync replicas', 'Local: Message timed out', 'Broker: Leader not available', 'Broker: Request timed out'])}`,
  ],
  [
    'dead-letter',
    (c) =>
      `Message ${c.hex(8)}-${c.hex(4)} on ${c.pick(TOPICS)}/${c.int(0, 11)} moved to dead letter queue after ${c.int(3, 10)} attempts: ${c.pick(['schema validation failed for field amount', 'handler raised TimeoutError', 'unknown customer', 'payload is not valid JSON at position 0'])}`,
  ],
  [
    'rebalance',
    (c) =>
      `Group ${c.pick(['billing', 'search-indexer', 'mailer'])} rebalancing, reason: ${c.pick(['member left the group', 'new member joined', 'session timeout expired for member consumer-2', 'topic metadata changed'])}`,
  ],
  [
    'connected',
    (c) =>
      `Connected to broker ${c.pick(['kafka-0.kafka.svc', 'kafka-1.kafka.svc', 'broker.internal'])}:9092 (id: ${c.int(0, 5)} rack: ${c.pick(['null', 'eu-west-1a', 'eu-west-1b'])})`,
  ],
  [
    'committed',
    (c) =>
      `Committed offsets ${c.int(0, 90000)} for ${c.pick(TOPICS)} on behalf of ${c.pick(['billing', 'search-indexer', 'mailer'])}`,
  ],
];

const INSTRUCTIONS = [
  'RUN npm ci',
  'COPY package.json package-lock.json ./',
  'WORKDIR /app',
  'RUN apt-get update && apt-get install -y --no-install-recommends curl git ca-certificates',
  'ENV NODE_ENV=production',
  'COPY . .',
  'RUN npm run build',
  'EXPOSE 8080',
  'CMD ["node", "dist/main.js"]',
  'FROM node:20-slim AS build',
];
const PACKAGES = ['left-pad', 'request', 'rimraf', 'glob', 'inflight', 'uuid', 'querystring'];
const BUILD: Event[] = [
  ['step', (c) => `Step ${c.int(1, 12)}/${c.int(12, 14)} : ${c.pick(INSTRUCTIONS)}`],
  ['running-in', (c) => ` ---> Running in ${c.hex(12)}`],
  ['layer', (c) => ` ---> ${c.hex(12)}`],
  ['built', (c) => `Successfully built ${c.hex(12)}`],
  [
    'tagged',
    (c) =>
      `Successfully tagged ${c.pick(['registry.corp.test/web', 'api', 'worker'])}:${c.pick(['latest', 'main', `v1.${c.int(0, 20)}.${c.int(0, 9)}`])}`,
  ],
  [
    'job-done',
    (c) =>
      `Job ${c.pick(['lint', 'unit tests', 'build image', 'deploy to staging', 'e2e'])} finished with status ${c.pick(['success', 'failed', 'cancelled', 'skipped'])} in ${c.int(0, 40)}m ${c.int(0, 59)}s`,
  ],
  [
    'deprecated',
    (c) =>
      `npm warn deprecated ${c.pick(PACKAGES)}@${c.int(1, 9)}.${c.int(0, 9)}.${c.int(0, 9)}: ${c.pick(['This module is not supported, and leaks memory.', 'Use the native fetch API instead', 'Rimraf versions prior to v4 are no longer supported', 'request has been deprecated, see https://github.test/request/request/issues/3142', 'Glob versions prior to v9 are no longer supported'])}`,
  ],
  [
    'suite',
    (c) =>
      `PASS ${c.pick(['src', 'test'])}/${c.pick(['orders', 'users', 'billing/invoices', 'api/v2/handlers'])}/${c.pick(['create', 'list', 'refund'])}.spec.ts (${c.int(1, 30)}.${c.int(100, 999)} s)`,
  ],
  [
    'cache',
    (c) =>
      `Cache ${c.pick(['restored', 'saved'])} with key: ${c.pick(['node-modules', 'pip', 'gradle'])}-${c.pick(['linux', 'macos'])}-${c.hex(16)}`,
  ],
];

const ACTIONS = ['read', 'write', 'delete', 'export', 'impersonate'];
const AUDIT: Event[] = [
  [
    'decision',
    (c) =>
      `user=${c.pick(PEOPLE)} action=${c.pick(ACTIONS)} resource=/projects/${c.int(1, 90)}/${c.pick(['files', 'members', 'settings/billing', 'pipelines/runs'])} result=${c.pick(['allow', 'deny'])} reason="${c.pick(['role grants access', 'not a member of the project', 'outside business hours policy', 'token scope missing', 'ok'])}"`,
  ],
  [
    'login-failed',
    (c) =>
      `Login failed for user '${c.pick(PEOPLE)}' from ${ipv4(c)}: ${c.pick(['invalid password', 'account locked after too many failed attempts', 'user not found', 'MFA code expired', 'password expired, change required'])}`,
  ],
  [
    'password-changed',
    (c) => `Password changed for ${c.pick(PEOPLE)} by ${c.pick(['admin', 'self', 'helpdesk'])}`,
  ],
  [
    'session-expired',
    (c) =>
      `Session ${c.hex(16)} for ${c.pick(PEOPLE)} expired after ${c.int(5, 120)} minutes of inactivity`,
  ],
  [
    'role-granted',
    (c) =>
      `Granted role ${c.pick(['viewer', 'editor', 'owner', 'billing-admin'])} to ${c.pick(PEOPLE)} (requested by ${c.pick(PEOPLE)}; ticket SEC-${c.int(100, 999)})`,
  ],
  [
    'command',
    (c) =>
      `${c.pick(PEOPLE)} ran command as root: ${c.pick(['systemctl restart nginx', 'cat /etc/shadow', 'apt-get install -y htop vim', 'journalctl -u api --since today', 'reboot'])}`,
  ],
  [
    'api-key',
    (c) =>
      `API key ${c.hex(6)}… created for ${c.pick(PEOPLE)} with scopes ${listOf(c, ['read:repo', 'write:repo', 'admin:org', 'read:user', 'workflow'], ',')}`,
  ],
];

const FUNCS = ['handle_request', 'get_user', 'load_config', '_send', 'process_item', '<module>'];
const PYTHON: Event[] = [
  ['traceback', () => 'Traceback (most recent call last):'],
  [
    'frame',
    (c) =>
      `  File "${c.pick(['/app/service/handlers.py', '/usr/lib/python3.12/json/decoder.py', '/app/.venv/lib/python3.12/site-packages/requests/adapters.py', 'worker.py'])}", line ${c.int(1, 900)}, in ${c.pick(FUNCS)}`,
  ],
  [
    'exception',
    (c) =>
      c.pick([
        `KeyError: '${c.pick(['user_id', 'items', 'token'])}'`,
        `ValueError: invalid literal for int() with base 10: '${c.pick(['abc', 'N/A', ''])}'`,
        `TimeoutError: timed out after ${c.int(1, 60)} seconds waiting for lock`,
        `AttributeError: 'NoneType' object has no attribute '${c.pick(['get', 'id', 'strip'])}'`,
      ]),
  ],
  [
    'task-started',
    (c) =>
      `Task ${c.pick(['reports.build', 'mail.send_digest', 'sync.pull_orders'])}[${c.hex(8)}-${c.hex(4)}-${c.hex(4)}-${c.hex(4)}-${c.hex(12)}] received`,
  ],
  [
    'task-succeeded',
    (c) =>
      `Task ${c.pick(['reports.build', 'mail.send_digest', 'sync.pull_orders'])}[${c.hex(8)}-${c.hex(4)}-${c.hex(4)}-${c.hex(4)}-${c.hex(12)}] succeeded in ${c.int(0, 90)}.${c.int(0, 999)}s: ${c.pick(['None', `{'sent': ${c.int(0, 50)}}`, `[${c.int(0, 9)}, ${c.int(0, 9)}, ${c.int(0, 9)}]`, "'ok'"])}`,
  ],
  [
    'retrying',
    (c) =>
      `Retrying (Retry(total=${c.int(0, 4)}, connect=None, read=None, redirect=None, status=None)) after connection broken by '${c.pick(['NewConnectionError', 'ReadTimeoutError', 'ProtocolError'])}': ${c.pick(['/v1/items', '/v1/items?page=2&per_page=50', '/auth/token'])}`,
  ],
  [
    'request',
    (c) =>
      `"${c.pick(['GET', 'POST'])} ${c.pick(['/v1/items', '/v1/items/42/comments', '/health', '/v1/search?q=red+shoes&size=20'])} HTTP/1.1" ${c.pick(['200', '201', '404', '500'])} ${c.int(0, 9000)}`,
  ],
  [
    'worker-ready',
    (c) =>
      `${c.pick(['celery', 'worker1', 'beat'])}@${c.pick(['ip-10-0-1-5', 'web-7f9c', 'localhost'])} ready.`,
  ],
];

const UNITS = [
  'Session 42 of user ana',
  'Daily apt download activities',
  'OpenBSD Secure Shell server',
  'Cleanup of Temporary Directories',
  'nginx.service - A high performance web server and a reverse proxy server',
  'Docker Application Container Engine',
];
const SERVICES = ['nginx.service', 'api.service', 'docker.service', 'cron.service', 'backup.timer'];
const JOURNAL: Event[] = [
  ['started', (c) => `Started ${c.pick(UNITS)}.`],
  ['stopped', (c) => `Stopped ${c.pick(UNITS)}.`],
  [
    'main-exited',
    (c) =>
      `${c.pick(SERVICES)}: Main process exited, code=${c.pick(['exited', 'killed', 'dumped'])}, status=${c.pick(['1/FAILURE', '9/KILL', '15/TERM', '203/EXEC', '11/SEGV'])}`,
  ],
  [
    'failed-result',
    (c) =>
      `${c.pick(SERVICES)}: Failed with result '${c.pick(['exit-code', 'timeout', 'signal', 'core-dump'])}'.`,
  ],
  [
    'restart',
    (c) => `${c.pick(SERVICES)}: Scheduled restart job, restart counter is at ${c.int(1, 30)}.`,
  ],
  [
    'consumed',
    (c) =>
      `${c.pick(SERVICES)}: Consumed ${c.int(0, 900)}.${c.int(100, 999)}s CPU time${c.pick(['', `, ${c.int(1, 900)}.${c.int(1, 9)}M memory peak`, `, ${c.int(1, 900)}.${c.int(1, 9)}M memory peak, ${c.int(0, 90)}.${c.int(1, 9)}M memory swap peak`])}.`,
  ],
  [
    'session-opened',
    (c) =>
      `pam_unix(${c.pick(['sshd', 'sudo', 'cron', 'systemd-user'])}:session): session opened for user ${c.pick(PEOPLE)}(uid=${c.int(1000, 1010)}) by ${c.pick(['(uid=0)', `${c.pick(PEOPLE)}(uid=${c.int(1000, 1010)})`])}`,
  ],
  [
    'oom',
    (c) =>
      `Out of memory: Killed process ${c.int(100, 60000)} (${c.pick(['java', 'node', 'postgres', 'chrome'])}) total-vm:${c.int(1000, 9000000)}kB, anon-rss:${c.int(1000, 900000)}kB, file-rss:0kB, shmem-rss:0kB, UID:${c.int(0, 1010)} pgtables:${c.int(100, 9000)}kB oom_score_adj:0`,
  ],
];

// Written in round 3, before the miner changes of that round (a payment gateway and a game
// server: kinds of systems no other set covers).
const MERCHANTS = ['acme-store', 'globex', 'initech-eu', 'umbrella-pharma', 'hooli'];
const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];
const DECLINES = [
  'insufficient_funds',
  'card_declined',
  'expired_card',
  'incorrect_cvc',
  'do_not_honor',
  'processing_error',
];

function amount(c: Ctx): string {
  return `${c.int(1, 4000)}.${String(c.int(0, 99)).padStart(2, '0')}`;
}

function paymentId(c: Ctx): string {
  return `pay_${c.hex(14)}`;
}

const PAYMENTS: Event[] = [
  [
    'authorized',
    (c) =>
      `payment ${paymentId(c)} authorized: merchant=${c.pick(MERCHANTS)} amount=${amount(c)} currency=${c.pick(CURRENCIES)} card=${c.pick(CARD_BRANDS)} ****${c.int(1000, 9999)} 3ds=${c.pick(['frictionless', 'challenge', 'not_enrolled'])} latency_ms=${c.int(40, 3000)}`,
  ],
  [
    'declined',
    (c) =>
      `payment ${paymentId(c)} declined by issuer: code=${c.pick(DECLINES)} merchant=${c.pick(MERCHANTS)} amount=${amount(c)} ${c.pick(CURRENCIES)}`,
  ],
  [
    'webhook-retry',
    (c) =>
      `Webhook delivery to https://${c.pick(MERCHANTS)}.example.com/hooks/payments failed with HTTP ${c.pick(['500', '502', '503', '404', '410'])}, retrying in ${c.int(1, 60)}s (attempt ${c.int(1, 8)} of 8)`,
  ],
  [
    'refund',
    (c) =>
      `Refund ${c.hex(10)} of ${amount(c)} ${c.pick(CURRENCIES)} for payment ${paymentId(c)} ${c.pick(['succeeded', 'pending', 'failed'])}`,
  ],
  [
    'fraud',
    (c) =>
      `Risk check flagged payment ${paymentId(c)} (score ${c.int(60, 99)}): ${c.pick(['velocity limit exceeded for card', 'billing country does not match IP country', 'card used on too many accounts', 'email domain on blocklist'])}`,
  ],
  [
    'settlement',
    (c) =>
      `Settlement batch ${c.int(1000, 9999)} for ${c.pick(MERCHANTS)} closed: ${c.int(1, 5000)} transactions, net ${amount(c)} ${c.pick(CURRENCIES)}`,
  ],
  [
    'acquirer-timeout',
    (c) =>
      `Acquirer ${c.pick(['adyen-eu', 'worldpay', 'stripe-connect', 'checkout-com'])} did not answer within ${c.int(5, 30)}000 ms, failing over to ${c.pick(['adyen-eu', 'worldpay', 'stripe-connect', 'checkout-com'])}`,
  ],
  [
    'idempotency',
    (c) =>
      `Idempotency key ${c.hex(8)}-${c.hex(4)} reused with a different request body by merchant ${c.pick(MERCHANTS)}`,
  ],
];

const PLAYERS = [
  'xXsniperXx',
  'NoobMaster69',
  'lunaTheBrave',
  'kappa_king',
  'Zed',
  'mira',
  'dr_frag',
];
const MAPS = ['de_dust2', 'cs_office', 'Frozen Lake', 'Old Town Ruins', 'arena_01'];
const GAME: Event[] = [
  [
    'joined',
    (c) =>
      `Player ${c.pick(PLAYERS)} (steam:${c.int(10000000, 99999999)}) joined server from ${c.int(11, 223)}.${c.int(0, 255)}.${c.int(0, 255)}.${c.int(1, 254)}:${c.int(1024, 65535)}`,
  ],
  [
    'left',
    (c) =>
      `Player ${c.pick(PLAYERS)} left the game (${c.pick(['disconnect', 'timed out', 'kicked by admin', 'connection reset by peer'])})`,
  ],
  [
    'kill',
    (c) =>
      `${c.pick(PLAYERS)} killed ${c.pick(PLAYERS)} with ${c.pick(['ak47', 'awp', 'knife', 'desert eagle', 'grenade'])}${c.pick(['', ' (headshot)'])}`,
  ],
  [
    'round',
    (c) =>
      `Round ${c.int(1, 30)} over: ${c.pick(['Terrorists', 'Counter-Terrorists'])} win by ${c.pick(['elimination', 'bomb defused', 'target bombed', 'time running out'])} (${c.int(0, 16)}:${c.int(0, 16)})`,
  ],
  ['map', (c) => `Changing map to ${c.pick(MAPS)} (${c.int(2, 32)} players online)`],
  [
    'tick',
    (c) =>
      `Server tick took ${c.int(17, 400)} ms (budget 16 ms), entities=${c.int(100, 5000)} players=${c.int(0, 32)}`,
  ],
  [
    'chat',
    (c) =>
      `[chat] ${c.pick(PLAYERS)}: ${c.pick(['gg', 'nice shot', 'rush B no stop', 'anyone want to trade skins?', 'lag'])}`,
  ],
  [
    'anticheat',
    (c) =>
      `Anti-cheat: ${c.pick(PLAYERS)} flagged for ${c.pick(['speedhack', 'aimbot', 'wallhack'])}, confidence ${c.int(50, 100)}%`,
  ],
];

// Written in round 5, before the miner changes of that round: genres no other set covers (a
// client-side proxy, a mobile app framework, an OS installer / servicing log, a cloud API
// server, a desktop kernel and its daemons). Host and program names without digits, optional
// parenthesised sizes, paths and query strings of a variable number of parts, enumerations
// filled in at run time, dates, release strings and hex codes.
const APPS = [
  'firefox.exe',
  'Slack Helper',
  'git-remote-https',
  'OneDrive Sync',
  'curl',
  'Code Helper (Renderer)',
  'svchost.exe',
];
const REMOTE = [
  'api.example.org',
  'cdn.static.example.net',
  'login.corp.test',
  'updates.vendor.test',
  'telemetry.example.com',
  'intranet',
  'mirror.downloads.example.org',
];
const PROXIES = ['proxy.corp.test', 'gw.branch.corp.test', 'squid.internal'];

function bytes(c: Ctx): string {
  const n = c.int(0, 3_000_000);
  if (n < 1024) return `${n} bytes`;
  return n < 1_048_576
    ? `${n} bytes (${(n / 1024).toFixed(1)} KB)`
    : `${n} bytes (${(n / 1_048_576).toFixed(2)} MB)`;
}

function lifetime(c: Ctx): string {
  return c.pick([
    '<1 sec',
    `${c.int(1, 59)} sec`,
    `00:${c.int(10, 59)}`,
    `${c.int(1, 9)}:${c.int(10, 59)}:${c.int(10, 59)}`,
  ]);
}

function port(c: Ctx): string {
  return c.pick(['443', '80', '8443', '22', `${c.int(1024, 65535)}`]);
}

const PROXY: Event[] = [
  [
    'open',
    (c) =>
      `${c.pick(APPS)} - ${c.pick(REMOTE)}:${port(c)} open through ${c.pick(PROXIES)}:${c.pick(['3128', '8080'])} ${c.pick(['HTTPS', 'SOCKS5'])}`,
  ],
  [
    'close',
    (c) =>
      `${c.pick(APPS)} - ${c.pick(REMOTE)}:${port(c)} close, ${bytes(c)} sent, ${bytes(c)} received, lifetime ${lifetime(c)}`,
  ],
  ['dns', (c) => `${c.pick(APPS)} - resolving ${c.pick(REMOTE)} through ${c.pick(PROXIES)}`],
  [
    'error',
    (c) =>
      `${c.pick(APPS)} - ${c.pick(REMOTE)}:${port(c)} error : ${c.pick(['connection refused by proxy', 'remote host closed the connection', 'proxy requires authentication', 'handshake timed out'])}`,
  ],
  [
    'rule',
    (c) =>
      `Rule "${c.pick(['Default', 'Local Network', 'Block Ads', 'Work VPN'])}" matched ${c.pick(APPS)} for ${c.pick(REMOTE)}, action ${c.pick(['direct', 'proxy', 'block'])}`,
  ],
  [
    'traffic',
    (c) =>
      `Traffic since start: ${bytes(c)} sent, ${bytes(c)} received in ${c.int(1, 9000)} connections`,
  ],
  [
    'failover',
    (c) =>
      `Proxy ${c.pick(PROXIES)}:${c.pick(['3128', '8080'])} not responding, switching to ${c.pick(PROXIES)}:${c.pick(['3128', '8080'])}`,
  ],
  [
    'loaded',
    (c) =>
      `Profile "${c.pick(['Office', 'Home', 'Travel laptop'])}" loaded from ${c.pick(['C:\\Users\\ana\\AppData\\Roaming\\ProxyTool\\Office.ppx', '/home/boris/.config/proxytool/home.ppx', 'D:\\profiles\\travel.ppx'])}`,
  ],
];

const ACTIVITIES = [
  'com.example.fit.ui.MainActivity',
  'com.example.fit.ui.SettingsFragment',
  'com.example.fit.onboarding.WelcomeActivity',
  'com.example.mail.compose.ComposeActivity',
  'org.sample.player.NowPlayingActivity',
];
const PKGS = ['com.example.fit', 'com.example.mail', 'org.sample.player', 'com.example.sync'];
const STATES = ['CREATED', 'STARTED', 'RESUMED', 'PAUSED', 'STOPPED', 'DESTROYED'];
const MOBILE: Event[] = [
  [
    'steps',
    (c) =>
      `StepSensor: onChanged steps=${c.int(0, 40)} today=${c.int(0, 30000)} sinceBoot=${c.int(0, 900000)}`,
  ],
  [
    'lifecycle',
    (c) => `Lifecycle: ${c.pick(ACTIVITIES)} state ${c.pick(STATES)} -> ${c.pick(STATES)}`,
  ],
  [
    'wakelock',
    (c) =>
      `PowerGuard: acquire wakelock tag=${c.pick(['*job*/com.example.sync/.SyncWorker', 'AudioMix', 'NetworkStats', 'LocationUpdates'])} pid=${c.int(300, 32000)} uid=${c.int(10000, 10300)}`,
  ],
  [
    'screen',
    (c) =>
      `DisplayPolicy: screen turned ${c.pick(['on', 'off'])} reason=${c.pick(['power_button', 'timeout', 'proximity', 'app_request'])}`,
  ],
  [
    'bind',
    (c) =>
      `ServiceBinder: bind ${c.pick(PKGS)}/${c.pick(['.SyncService', '.push.PushReceiver', '.media.PlaybackService'])} for pid ${c.int(300, 32000)} flags=0x${c.hex(4)}`,
  ],
  [
    'battery',
    (c) =>
      `BatteryMonitor: level=${c.int(0, 100)} temp=${c.int(200, 450)} plugged=${c.pick(['ac', 'usb', 'wireless', 'none'])} status=${c.pick(['charging', 'discharging', 'full', 'not_charging'])}`,
  ],
  [
    'heap',
    (c) =>
      `Runtime: heap trim released ${c.int(10, 90000)}KB in ${c.int(1, 300)}ms, ${c.int(5, 80)}% free, live objects ${c.int(1000, 900000)}`,
  ],
  [
    'notify',
    (c) =>
      `NotificationHub: post id=${c.int(1, 9999)} pkg=${c.pick(PKGS)} channel=${c.pick(['sync_status', 'messages', 'playback', 'reminders'])} importance=${c.int(1, 4)}`,
  ],
  [
    'anr',
    (c) =>
      `ProcessWatch: app not responding: ${c.pick(PKGS)} (pid ${c.int(300, 32000)}), reason: ${c.pick(['input dispatch timed out', 'service start took too long', 'broadcast receiver did not finish'])}`,
  ],
  [
    'killed',
    (c) =>
      `ProcessWatch: killing ${c.pick(PKGS)}:${c.pick(['remote', 'ui', 'sync'])} (pid ${c.int(300, 32000)}) adj ${c.int(0, 999)}: ${c.pick(['empty for too long', 'low memory', 'excessive cpu use in background'])}`,
  ],
];

function winPath(c: Ctx): string {
  return `C:\\Windows\\${c.pick(['servicing\\Packages', 'WinSxS\\Manifests', 'System32\\drivers', 'Logs\\CBS'])}\\${c.pick(['core', 'netfx', 'media', 'print'])}_${c.hex(8)}.${c.pick(['mum', 'cat', 'manifest', 'sys'])}`;
}

function identity(c: Ctx): string {
  return `${c.pick(['Feature-Core', 'Update-Stack', 'Language-Pack', 'Driver-Bundle'])}~${c.hex(16)}~${c.pick(['amd64', 'arm64', 'x86'])}~${c.pick(['', 'en-US', 'de-DE'])}~${c.int(6, 10)}.${c.int(0, 3)}.${c.int(10000, 22999)}.${c.int(1, 4000)}`;
}

function debVersion(c: Ctx): string {
  return c.pick([
    `${c.int(1, 3)}.${c.int(0, 40)}.${c.int(0, 9)}-${c.int(1, 9)}`,
    `${c.int(1, 2)}:${c.int(1, 9)}.${c.int(0, 20)}-${c.int(1, 5)}ubuntu${c.int(1, 9)}.${c.int(1, 9)}`,
    `${c.int(5, 6)}.${c.int(1, 15)}.0-${c.int(10, 99)}-generic`,
    `${c.int(1, 9)}.${c.int(0, 9)}+dfsg-${c.int(1, 4)}+deb12u${c.int(1, 3)}`,
  ]);
}

function date(c: Ctx): string {
  return c.pick([
    `2026-${String(c.int(1, 12)).padStart(2, '0')}-${String(c.int(1, 28)).padStart(2, '0')} ${c.int(10, 23)}:${c.int(10, 59)}:${c.int(10, 59)}`,
    `${c.pick(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])} ${c.pick(['Jan', 'Mar', 'Jul', 'Nov'])} ${c.int(1, 28)} ${c.int(10, 23)}:${c.int(10, 59)}:${c.int(10, 59)} 2026`,
  ]);
}

const DEBS = [
  'libssl3',
  'openssh-server',
  'linux-image',
  'python3-yaml',
  'tzdata',
  'curl',
  'systemd',
];
const INSTALLER: Event[] = [
  [
    'pkg-state',
    (c) =>
      `Package ${identity(c)} state changed: ${c.pick(['Staged', 'Installed', 'Resolved', 'Absent', 'Superseded'])} -> ${c.pick(['Staged', 'Installed', 'Resolved', 'Absent', 'Superseded'])}`,
  ],
  [
    'hr',
    (c) =>
      `Could not read ${winPath(c)}, hr=0x${c.pick(['80070002', '80070005', '800f081f', '80073712'])} (${c.pick(['file not found', 'access denied', 'source files could not be found', 'component store is corrupted'])})`,
  ],
  ['unpack', (c) => `unpack ${c.pick(DEBS)} ${debVersion(c)} replacing ${debVersion(c)}`],
  [
    'configure',
    (c) => `configure ${c.pick(DEBS)}:${c.pick(['amd64', 'arm64', 'all'])} ${debVersion(c)}`,
  ],
  [
    'session',
    (c) =>
      `Servicing session ${c.int(30000000, 39999999)}_${c.int(100000, 999999)} started by ${c.pick(['WindowsUpdateAgent', 'TrustedInstaller', 'DISM Package Manager', 'unattended-upgrades'])} at ${date(c)}`,
  ],
  [
    'release',
    (c) =>
      `Upgrading from release ${c.pick(['bookworm', '22.04.4 LTS (Jammy)', '10.0.19045', 'rhel-9.3'])} to ${c.pick(['trixie', '24.04.1 LTS (Noble)', '10.0.22631', 'rhel-9.4'])}`,
  ],
  ['reboot', (c) => `Reboot required by ${c.int(1, 7)} packages: ${listOf(c, DEBS, ', ')}`],
  [
    'download',
    (c) =>
      `Downloaded https://${c.pick(['deb.example.org/pool/main', 'dl.vendor.test/updates', 'mirror.example.net/ubuntu/pool'])}/${c.pick(DEBS)}_${c.int(1, 9)}.${c.int(0, 9)}_amd64.deb (${c.int(1, 900)}.${c.int(0, 9)} ${c.pick(['KB', 'MB'])}) in ${c.int(0, 60)}.${c.int(0, 9)}s`,
  ],
  [
    'space',
    (c) =>
      `Free space on ${c.pick(['C:\\', '/', '/boot/efi', '/var'])} is ${c.int(1, 900)} MB, ${c.int(1, 900)} MB required`,
  ],
  [
    'cleanup',
    (c) =>
      `Removed ${c.int(1, 400)} superseded components, reclaimed ${c.int(1, 9000)} MB, last cleanup ${date(c)}`,
  ],
];

function uuid(c: Ctx): string {
  return `${c.hex(8)}-${c.hex(4)}-${c.hex(4)}-${c.hex(4)}-${c.hex(12)}`;
}

function apiPath(c: Ctx): string {
  const project = c.hex(32);
  return c.pick([
    `/v3/${project}/volumes/detail`,
    `/v3/${project}/volumes/${uuid(c)}`,
    `/v3/${project}/volumes/${uuid(c)}/attachments`,
    `/v2.1/${project}/servers/detail?all_tenants=1&limit=${c.int(10, 100)}`,
    `/v2.1/${project}/servers?name=${c.pick(['web', 'db', 'cache'])}`,
    `/v2.1/${project}/os-hypervisors/statistics`,
    '/healthcheck',
    `/v2/images?visibility=${c.pick(['public', 'shared', 'private'])}&sort_key=created_at&sort_dir=desc&limit=${c.int(10, 50)}`,
  ]);
}

const COMPUTE_HOSTS = ['compute-east', 'compute-west', 'gpu-node', 'storage-head'];
const CLOUDAPI: Event[] = [
  [
    'request',
    (c) =>
      `[req-${uuid(c)}] ${c.int(10, 192)}.${c.int(0, 255)}.${c.int(0, 255)}.${c.int(1, 254)} "${c.pick(['GET', 'POST', 'DELETE', 'PUT'])} ${apiPath(c)} HTTP/1.1" status: ${c.pick(['200', '202', '204', '404', '409'])} len: ${c.int(0, 90000)} time: ${c.int(0, 3)}.${c.int(1000, 9999)}`,
  ],
  [
    'claim',
    (c) =>
      `Claim accepted for instance ${uuid(c)} on ${c.pick(COMPUTE_HOSTS)}: vcpus=${c.int(1, 64)}, ram=${c.int(512, 262144)} MB, disk=${c.int(1, 2000)} GB`,
  ],
  [
    'lifecycle',
    (c) =>
      `[instance: ${uuid(c)}] VM ${c.pick(['Started', 'Paused', 'Resumed', 'Stopped'])} (Lifecycle Event)`,
  ],
  [
    'image-cache',
    (c) =>
      `Image ${uuid(c)} cached at /var/lib/cloud/images/${c.hex(40)} (${c.int(1, 900)}.${c.int(0, 9)} ${c.pick(['MB', 'GB'])})`,
  ],
  [
    'quota',
    (c) =>
      `Quota exceeded for project ${c.hex(32)}: requested ${c.int(1, 64)} ${c.pick(['cores', 'ram', 'instances', 'volumes', 'floating_ips'])}, used ${c.int(0, 500)} of ${c.int(1, 500)}`,
  ],
  [
    'periodic',
    (c) =>
      `Running periodic task ${c.pick(['ComputeManager._sync_power_states', 'ComputeManager._heal_instance_info_cache', 'VolumeManager._report_driver_status', 'ImageCache.prune_unused'])} took ${c.int(0, 9)}.${c.int(10, 99)} seconds`,
  ],
  [
    'token',
    (c) =>
      `Token validated for user ${c.pick(PEOPLE)} in project ${c.pick(['demo', 'admin', 'ci-runners', 'data-science'])} with roles ${listOf(c, ['reader', 'member', 'admin', 'load-balancer_member'], ',')}`,
  ],
  [
    'no-host',
    (c) =>
      `No valid host found for instance ${uuid(c)}: ${c.pick(['not enough hosts available', 'all hosts filtered out by the affinity policy', 'requested flavor is disabled'])}`,
  ],
  [
    'deleted',
    (c) =>
      `[instance: ${uuid(c)}] Deleted allocations on ${c.pick(COMPUTE_HOSTS)} in ${c.int(0, 9)}.${c.int(10, 99)} seconds`,
  ],
];

function mac(c: Ctx): string {
  return Array.from({ length: 6 }, () => c.hex(2)).join(':');
}

const DAEMON_PROCS = [
  'Safari',
  'Mail',
  'photoanalysisd',
  'CloudSyncAgent',
  'Xcode',
  'mdworker_shared',
];
const DESKTOP: Event[] = [
  [
    'pressure',
    (c) =>
      `memorystatusd[${c.int(80, 900)}]: pressure level ${c.pick(['normal', 'warn', 'critical'])} (${c.int(1000, 900000)} pages free), killing ${c.pick(DAEMON_PROCS)}[${c.int(300, 90000)}]`,
  ],
  [
    'usb',
    (c) =>
      `kernel[0]: USBHostPort@${c.hex(8)}: device ${c.pick(['LogiReceiver', 'AppleKeyboard', 'FlashDrive', 'YubiKey OTP+FIDO'])} attached, vid=0x${c.hex(4)} pid=0x${c.hex(4)} speed=${c.pick(['full', 'high', 'super'])}`,
  ],
  [
    'wifi',
    (c) =>
      `airlinkd[${c.int(80, 900)}]: link ${c.pick(['up', 'down'])} on en${c.int(0, 1)} (bssid ${mac(c)}, rssi -${c.int(30, 90)} dBm, channel ${c.int(1, 165)})`,
  ],
  [
    'blocked',
    (c) =>
      `policyd[${c.int(80, 900)}]: blocked ${c.pick(['file-read-data', 'mach-lookup', 'network-outbound', 'file-write-create'])} by ${c.pick(DAEMON_PROCS)}(${c.int(300, 90000)}) on ${c.pick(['/Users/ana/Library/Keychains', 'com.apple.tccd', '/private/var/db/mds', '/Volumes/Backup/.Spotlight-V100'])}`,
  ],
  [
    'frame',
    (c) =>
      `kernel[0]: frame ${c.int(0, 30)}: 0x${c.hex(16)} ${c.pick(['IOGraphicsFamily::setPowerState', '_thread_invoke', 'AppleACPIPlatform::sleepSystem', 'vm_fault_page', 'IOWorkLoop::runEventSources'])} + ${c.int(16, 4000)}`,
  ],
  [
    'svc-exit',
    (c) =>
      `launchsvc[1]: Service ${c.pick(['com.example.Agent.helper', 'org.vendor.cloudsync', 'com.example.backupd', 'net.sample.vpnclient.daemon'])} exited with code ${c.int(1, 255)}, respawning in ${c.int(1, 60)}s`,
  ],
  [
    'index',
    (c) =>
      `indexerd[${c.int(80, 900)}]: indexed ${c.int(1, 90000)} items on volume "${c.pick(['Macintosh HD', 'Backup', 'Untitled', 'Media'])}" in ${c.int(0, 900)}.${c.int(0, 9)} s`,
  ],
  [
    'thermal',
    (c) =>
      `thermald[${c.int(80, 900)}]: CPU speed limit ${c.int(30, 100)}%, sensor ${c.pick(['ProxSkin', 'BatteryPack', 'HeatPipe', 'PalmRest'])} at ${c.int(30, 99)}.${c.int(0, 9)} C`,
  ],
  [
    'sleep',
    (c) =>
      `powerd[${c.int(80, 900)}]: entering sleep, reason '${c.pick(['Idle Sleep', 'Clamshell Sleep', 'Software Sleep', 'Low Power'])}' after ${c.int(1, 900)} s awake`,
  ],
  [
    'wake',
    (c) =>
      `kernel[0]: wake from sleep, reason ${c.pick(['EC.LidOpen', 'XHC1', 'RTC/Maintenance', 'EC.PowerButton'])} at ${date(c)}`,
  ],
];

export function devLogs(lines = 2000): SyntheticLog[] {
  return [
    generate('dev-mail', MAIL, lines, 21),
    generate('dev-broker', BROKER, lines, 22),
    generate('dev-build', BUILD, lines, 23),
    generate('dev-audit', AUDIT, lines, 24),
    generate('dev-python', PYTHON, lines, 25),
    generate('dev-journal', JOURNAL, lines, 26),
    generate('dev-payments', PAYMENTS, lines, 27),
    generate('dev-game', GAME, lines, 28),
    generate('dev-proxy', PROXY, lines, 29),
    generate('dev-mobile', MOBILE, lines, 30),
    generate('dev-installer', INSTALLER, lines, 31),
    generate('dev-cloudapi', CLOUDAPI, lines, 32),
    generate('dev-desktop', DESKTOP, lines, 33),
  ];
}
