/** better-sqlite3's Database, as far as registering a function uses it. */
export interface SqliteFunctionHost {
  function(
    name: string,
    options: { deterministic: boolean },
    implementation: (...args: unknown[]) => unknown,
  ): unknown;
}

/** The queries' patterns are the code's own, so few; the bound only guards against a caller that is not. */
const MAX_COMPILED = 64;
const compiled = new Map<string, RegExp>();

function compiledOf(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    regex = new RegExp(pattern);
    compiled.set(pattern, regex);
  }
  return regex;
}

/**
 * The functions the queries use that SQLite leaves to its host: `text REGEXP pattern` (SQLite
 * calls regexp(pattern, text); NULL text gives NULL, as LIKE does). JavaScript's syntax, which
 * agrees with PostgreSQL's `~` on what the queries write (alternations, groups, escaped
 * parentheses). Every connection the app opens registers them (data-source.ts).
 */
export function registerSqliteFunctions(db: SqliteFunctionHost): void {
  db.function('regexp', { deterministic: true }, (pattern, text) => {
    if (typeof pattern !== 'string' || text === null || text === undefined) return null;
    return compiledOf(pattern).test(String(text)) ? 1 : 0;
  });
}
