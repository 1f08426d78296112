import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { RepeatedWarnings } from '../common/logging/repeated-warnings.js';

/** Longest statement text a log line carries: a batch INSERT's SQL is small, its parameters are not. */
export const MAX_LOGGED_SQL_CHARS = 300;

/**
 * TypeORM's logger for this service: a failed statement is logged with its (shortened) SQL and
 * the number and kinds of its parameters, never their values — they hold event content (lines
 * of 28 KB with a batch's messages before) and possibly secrets a client sent. Warnings of a
 * connection failing again and again are written once per interval.
 */
export class SqlErrorLogger implements TypeOrmLogger {
  private readonly warnings: RepeatedWarnings;

  constructor(private readonly logger: Pick<Logger, 'warn' | 'log'> = new Logger('SQL')) {
    this.warnings = new RepeatedWarnings(logger);
  }

  logQuery(): void {}

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${shortSql(query)}`);
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[] | object): void {
    const message = typeof error === 'string' ? error : error.message;
    this.warnings.warn(`query failed: ${message} — ${shortSql(query)} ${describeParameters(parameters)}`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.warnings.warn(String(message));
  }
}

export function shortSql(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length <= MAX_LOGGED_SQL_CHARS ? flat : `${flat.slice(0, MAX_LOGGED_SQL_CHARS)}… (${flat.length} chars)`;
}

/** "(3 parameters: string, number, array[500])": enough to tell a shape, nothing of the content. */
export function describeParameters(parameters: unknown[] | object | undefined): string {
  if (!parameters) return '(no parameters)';
  const values = Array.isArray(parameters) ? parameters : Object.values(parameters);
  const kinds = values.slice(0, 20).map((value) => (Array.isArray(value) ? `array[${value.length}]` : value === null ? 'null' : typeof value));
  return `(${values.length} parameters: ${kinds.join(', ')}${values.length > 20 ? ', …' : ''})`;
}
