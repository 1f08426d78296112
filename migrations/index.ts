import { InitialSchema1764000000000 } from './1764000000000-InitialSchema.js';
import { ArchiveManifest1764200000001 } from './1764200000001-ArchiveManifest.js';
import { DebugPatterns1764300000001 } from './1764300000001-DebugPatterns.js';
import { InsightRollups1764400000001 } from './1764400000001-InsightRollups.js';
import { InsightHourlyRollups1764500000001 } from './1764500000001-InsightHourlyRollups.js';
import { InsightHoursAsJson1764600000001 } from './1764600000001-InsightHoursAsJson.js';
import { Alerting1764700000001 } from './1764700000001-Alerting.js';
import { ApiKeys1764800000001 } from './1764800000001-ApiKeys.js';
import { InsightHourVersions1764900000001 } from './1764900000001-InsightHourVersions.js';
import { ChainMinuteKinds1765000000001 } from './1765000000001-ChainMinuteKinds.js';
import { SeriesHoursFillfactor1765100000001 } from './1765100000001-SeriesHoursFillfactor.js';
import { SeriesHoursAsArrays1765200000001 } from './1765200000001-SeriesHoursAsArrays.js';
import { PatternSpans1765300000001 } from './1765300000001-PatternSpans.js';

/** Every migration, in order. A new migration file is added here too. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  ArchiveManifest1764200000001,
  DebugPatterns1764300000001,
  InsightRollups1764400000001,
  InsightHourlyRollups1764500000001,
  InsightHoursAsJson1764600000001,
  Alerting1764700000001,
  ApiKeys1764800000001,
  InsightHourVersions1764900000001,
  ChainMinuteKinds1765000000001,
  SeriesHoursFillfactor1765100000001,
  SeriesHoursAsArrays1765200000001,
  PatternSpans1765300000001,
];
