import { DebugEventEntity } from './debug-event.entity.js';
import { DebugInsightEntity } from './debug-insight.entity.js';
import { DebugMetricEntity } from './debug-metric.entity.js';
import { DebugSessionEntity } from './debug-session.entity.js';
import { DebugStateSnapshotEntity } from './debug-state-snapshot.entity.js';

export * from './debug-event.entity.js';
export * from './debug-insight.entity.js';
export * from './debug-metric.entity.js';
export * from './debug-session.entity.js';
export * from './debug-state-snapshot.entity.js';

/**
 * The five tables of DESIGN §3. Their owning modules register them with the running data source
 * (TypeOrmModule.forFeature: storage the events, snapshots and metrics, insights the insights,
 * sessions the sessions), as every module does with the tables it adds; this list serves data
 * sources made outside Nest (scripts, tests).
 */
export const CORE_ENTITIES = [
  DebugEventEntity,
  DebugInsightEntity,
  DebugStateSnapshotEntity,
  DebugMetricEntity,
  DebugSessionEntity,
];
