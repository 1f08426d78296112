import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { newId } from '../../src/common/ids.js';
import type { DebugEventEntity } from '../../src/database/entities/index.js';

let sequence = 0;

/** A complete debug_events row; override what the test is about. */
export function makeEventEntity(overrides: Partial<DebugEventEntity> = {}): DebugEventEntity {
  sequence++;
  const timestamp = overrides.timestamp ?? new Date();
  return {
    id: newId(timestamp),
    timestamp,
    eventType: 'log',
    level: 'info',
    componentType: 'api',
    componentId: `api-${sequence % 3}`,
    correlationId: `corr-${sequence}`,
    parentEventId: null,
    operation: 'handle-request',
    durationMs: 12.5,
    message: `request ${sequence} handled`,
    data: { sequence },
    metadata: null,
    sessionId: null,
    patternId: null,
    ingestedAt: new Date(),
    ...overrides,
  };
}

/**
 * Inserts rows as they are. (TypeORM's insert() typing refuses `Record<string, unknown>`
 * JSON columns, though it stores them fine.)
 */
export async function insertRows<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  rows: T | T[],
): Promise<void> {
  await dataSource.getRepository(entity).insert(rows as QueryDeepPartialEntity<T>);
}
