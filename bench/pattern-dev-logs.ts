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
  ];
}
