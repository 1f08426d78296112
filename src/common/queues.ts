/** Queue and job names: the one place they are spelled. */
export const QueueName = {
  Ingest: 'ingest',
  Tiering: 'tiering',
  Insights: 'insights',
  Alerts: 'alerts',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  IngestBatch: 'ingest-batch',
  WarmToCold: 'warm-to-cold',
  ColdRetention: 'cold-retention',
  InsightRetention: 'insight-retention',
  WarmRetention: 'warm-retention',
  GenerateInsights: 'generate-insights',
  MaintainPartitions: 'maintain-partitions',
  EvaluateAlerts: 'evaluate-alerts',
  DeliverAlert: 'deliver-alert',
  RefreshAlertmanager: 'refresh-alertmanager',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];
