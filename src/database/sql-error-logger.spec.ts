import {
  describeParameters,
  MAX_LOGGED_SQL_CHARS,
  shortSql,
  SqlErrorLogger,
} from './sql-error-logger.js';

describe('SqlErrorLogger', () => {
  it('logs a failed statement without its parameter values and with its SQL shortened', () => {
    const lines: string[] = [];
    const sink = {
      warn: (message: unknown) => void lines.push(String(message)),
      log: () => undefined,
    };
    {
      const secret = 'password=hunter2 '.repeat(2000);
      new SqlErrorLogger(sink).logQueryError(
        new Error('invalid byte sequence'),
        `INSERT INTO t VALUES ${'($1), '.repeat(500)}`,
        [secret, 42, [1, 2, 3]],
      );
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toContain('hunter2');
      expect(lines[0]).toContain('invalid byte sequence');
      expect(lines[0]).toContain('(3 parameters: string, number, array[3])');
      expect(lines[0].length).toBeLessThan(MAX_LOGGED_SQL_CHARS + 200);
    }
  });

  it('keeps short SQL as it is, on one line', () => {
    expect(shortSql('SELECT 1\n  FROM x')).toBe('SELECT 1 FROM x');
    expect(describeParameters(undefined)).toBe('(no parameters)');
  });
});
