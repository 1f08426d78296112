/**
 * The operation a span stands for. OpenTelemetry names an HTTP span by its method alone when the
 * instrumentation knows no low-cardinality target (no route: a bare `http` server, a client
 * without a URL template), so every request of a service would be one operation `GET`: their
 * latencies pooled, and every flow that starts with a request of one kind. Such a span is named
 * here as the semantic conventions would with a target: `{method} {route}`, the route from
 * `http.route` or `url.template`, else the request's path with its id-like segments masked.
 */
export function spanOperation(name: string, attributes: Record<string, unknown>): string {
  const method = textOf(attributes['http.request.method']) ?? textOf(attributes['http.method']);
  if (!method || !isMethodOnly(name, method)) return name;
  const target =
    textOf(attributes['http.route']) ??
    textOf(attributes['url.template']) ??
    templatedPath(
      textOf(attributes['url.path']) ??
        pathOf(textOf(attributes['http.target'])) ??
        pathOf(textOf(attributes['url.full']) ?? textOf(attributes['http.url'])),
    );
  return target ? `${name} ${target}` : name;
}

/** `GET`, `HTTP GET` or `_OTHER` (the conventions' name for a method they do not know). */
function isMethodOnly(name: string, method: string): boolean {
  const upper = name.trim().toUpperCase();
  return (
    upper === method.toUpperCase() || upper === `HTTP ${method.toUpperCase()}` || upper === '_OTHER'
  );
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The path of a URL or of a request target (`/a/b?q=1`), without query or fragment. */
function pathOf(target: string | undefined): string | undefined {
  if (!target) return undefined;
  if (target.startsWith('/')) return target.split(/[?#]/, 1)[0];
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION = /^v?\d+(\.\d+)*$/i;

/**
 * A path with the segments that name one thing (an id, a number, a hash, a token) as `{id}`: the
 * segments that carry two digits or more (`42`, `ord-2024-77`, a hex id) but not a version
 * (`v2`, `v1.1`; a bare number is an id), UUIDs, and tokens of 8 characters or more with a digit
 * (`acc_okmftbc5sk`). Words, `oauth2` or `s3` stay: they name a resource, not one of its items.
 * An id with no digit at all (`ch_qwertyuiop`) looks like a word and stays.
 */
export function templatedPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const segments = path.split('/').map((segment) => (isIdSegment(segment) ? '{id}' : segment));
  const templated = segments.join('/');
  return templated.length > 200 ? `${templated.slice(0, 200)}…` : templated;
}

function isIdSegment(segment: string): boolean {
  if (segment === '') return false;
  if (/^\d+$/.test(segment) || UUID.test(segment)) return true;
  const digits = segment.replace(/\D/g, '').length;
  if (digits >= 2 && !(VERSION.test(segment) && /^v/i.test(segment))) return true;
  // a token of 8 characters or more with a digit among letters: generated ids (acc_okmftbc5sk,
  // base62 ids, hashes); a word with one digit is short (oauth2, ipv6, s3)
  return segment.length >= 8 && /\d/.test(segment) && /^[A-Za-z0-9_.~-]+$/.test(segment);
}
