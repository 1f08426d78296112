import { DebugEventEntity } from './debug-event.entity.js';
import { DebugInsightEntity } from './debug-insight.entity.js';
import { DebugMetricEntity } from './debug-metric.entity.js';
import { DebugSessionEntity } from './debug-session.entity.js';
import { DebugStateSnapshotEntity } from './debug-state-snapshot.entity.js';
import { ArchiveSegmentEntity } from '../../storage/cold/archive-segment.entity.js';
import { TieringRunEntity } from '../../storage/tiering/tiering-run.entity.js';
import { DebugPatternEntity } from '../../patterns/debug-pattern.entity.js';

export * from './debug-event.entity.js';
export * from './debug-insight.entity.js';
export * from './debug-metric.entity.js';
export * from './debug-session.entity.js';
export * from './debug-state-snapshot.entity.js';

/** Every entity the data source loads. A module that adds a table adds its entity here. */
export const ENTITIES = [
  DebugEventEntity,
  DebugInsightEntity,
  DebugStateSnapshotEntity,
  DebugMetricEntity,
  DebugSessionEntity,
  ArchiveSegmentEntity,
  TieringRunEntity,
  DebugPatternEntity,
];
