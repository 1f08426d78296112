/**
 * PostgreSQL's COPY text format, read side: rows end with \n, fields are separated by \t,
 * `\N` is NULL, and backslash escapes stand for the backslash, control characters and
 * octal/hex bytes. Used by the archiver, which reads a day with `COPY … TO STDOUT` (the
 * fastest way out of PostgreSQL) instead of row-by-row protocol messages.
 */
export function splitCopyRow(line: string): (string | null)[] {
  const raw = line.split('\t');
  return raw.map((field) =>
    field === '\\N' ? null : field.includes('\\') ? unescapeCopy(field) : field,
  );
}

const SIMPLE: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

export function unescapeCopy(field: string): string {
  let result = '';
  let bytes: number[] | null = null;
  const flushBytes = () => {
    if (bytes) {
      result += Buffer.from(bytes).toString('utf8');
      bytes = null;
    }
  };
  for (let index = 0; index < field.length; index++) {
    const character = field[index];
    if (character !== '\\' || index === field.length - 1) {
      flushBytes();
      result += character;
      continue;
    }
    const next = field[index + 1];
    if (next >= '0' && next <= '7') {
      const match = /^[0-7]{1,3}/.exec(field.slice(index + 1, index + 4))![0];
      (bytes ??= []).push(parseInt(match, 8) & 0xff);
      index += match.length;
    } else if (next === 'x' && /^[0-9a-fA-F]/.test(field[index + 2] ?? '')) {
      const match = /^[0-9a-fA-F]{1,2}/.exec(field.slice(index + 2, index + 4))![0];
      (bytes ??= []).push(parseInt(match, 16));
      index += 1 + match.length;
    } else {
      flushBytes();
      result += SIMPLE[next] ?? next;
      index++;
    }
  }
  flushBytes();
  return result;
}

/**
 * A timestamptz as COPY prints it with TimeZone UTC and DateStyle ISO
 * ('2026-11-15 07:03:09.123456+00', fraction optional) → ISO-8601 to the millisecond,
 * as Date#toISOString writes it (the fraction truncated, as the pg driver's parse does).
 */
export function copyTimeToIso(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?\+00$/.exec(text);
  if (!match) return new Date(text).toISOString();
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}
