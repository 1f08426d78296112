import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { api, SEVERITIES, type ComponentHealth, type Severity } from '../api/client';
import { Badge, formatMs, formatTime, Loading, QueryError } from '../common/bits';
import { histogramSeries } from '../common/histogram-chart';
import { TimeChart } from '../common/time-chart';
import { resolveRange, TimeRangePicker } from '../common/time-range';
import { useUrlState } from '../common/url-state';

const SPARKLINE_BUCKETS = 40;
/** The health query judges at most 12 hours (its `window_minutes` limit); longer ranges show their last 12 hours. */
const MAX_HEALTH_WINDOW_MINUTES = 720;

/** Events and errors of one component type over the range, counted by the server. */
function ComponentSparkline(props: { type: string; from: string; to: string }) {
  const { data } = useQuery({
    queryKey: ['events', 'histogram', 'sparkline', props.type, props.from, props.to],
    queryFn: () =>
      api.histogram(
        { component_type: props.type, from: props.from, to: props.to },
        SPARKLINE_BUCKETS,
      ),
  });
  const chart = useMemo(() => (data ? histogramSeries(data) : null), [data]);
  if (!data || !chart) return <div className="sparkline placeholder" aria-hidden="true" />;
  return (
    <>
      <TimeChart
        x={chart.x}
        series={chart.series}
        height={36}
        compact
        label={`Events and errors of ${props.type} over time: ${data.total} events, ${data.errors} errors`}
      />
      {data.partial && <small className="muted">not every tier counted</small>}
    </>
  );
}

function HealthCard(props: { health: ComponentHealth; from: string; to: string }) {
  const { health } = props;
  const type = health.component_type ?? health.component;
  return (
    <article
      className={`card health-${health.status}`}
      aria-label={`${health.component}: ${health.status}`}
      data-testid="component-card"
    >
      <header className="row spread">
        <h3>
          <Link to={`/events?component_type=${encodeURIComponent(type)}`}>{health.component}</Link>
        </h3>
        <Badge kind={health.status}>
          {health.status} · {health.score}
        </Badge>
      </header>
      <ComponentSparkline type={type} from={props.from} to={props.to} />
      <dl className="metrics">
        <dt>events</dt>
        <dd>{health.metrics.events}</dd>
        <dt>errors</dt>
        <dd>
          {health.metrics.errors}
          {health.metrics.error_rate !== null &&
            ` (${(health.metrics.error_rate * 100).toFixed(1)} %)`}
        </dd>
        <dt>p95</dt>
        <dd>{formatMs(health.metrics.p95_ms)}</dd>
        <dt>instances</dt>
        <dd>{health.metrics.instances}</dd>
        <dt>last seen</dt>
        <dd>{formatTime(health.metrics.last_seen)}</dd>
      </dl>
      {health.reasons.filter((reason) => reason.code !== 'ok').length > 0 && (
        <ul className="reasons">
          {health.reasons
            .filter((reason) => reason.code !== 'ok')
            .map((reason) => (
              <li key={reason.code}>
                <strong>{reason.code}</strong> −{reason.impact}: {reason.message}
              </li>
            ))}
        </ul>
      )}
    </article>
  );
}

/**
 * Open and regressed insights per severity: counted from one list per status, or, past the
 * list's 500 rows, from the list's `total` per severity.
 */
async function openInsightCounts(): Promise<Record<Severity, number>> {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<
    Severity,
    number
  >;
  for (const status of ['open', 'regressed']) {
    const page = await api.insights({ status, limit: 500 });
    if (page.total === undefined || page.total <= page.items.length) {
      for (const insight of page.items) counts[insight.severity] += 1;
      continue;
    }
    const totals = await Promise.all(
      SEVERITIES.map((severity) => api.insights({ status, severity, limit: 1 })),
    );
    SEVERITIES.forEach((severity, index) => (counts[severity] += totals[index].total ?? 0));
  }
  return counts;
}

export function OverviewPage() {
  const [state, update] = useUrlState(['range', 'from', 'to'] as const);
  const range = resolveRange(state.range || '1h', state.from, state.to);
  const windowMinutes = Math.max(
    1,
    Math.min(
      MAX_HEALTH_WINDOW_MINUTES,
      Math.round((Date.parse(range.to) - Date.parse(range.from)) / 60_000),
    ),
  );
  const health = useQuery({
    queryKey: ['health', windowMinutes],
    queryFn: () => api.health(windowMinutes),
    refetchInterval: 30_000,
  });
  const open = useQuery({
    queryKey: ['insights', 'open-counts'],
    queryFn: openInsightCounts,
    refetchInterval: 30_000,
  });
  return (
    <section aria-labelledby="overview-title">
      <div className="row spread">
        <h1 id="overview-title">Overview</h1>
        <TimeRangePicker
          key={`${state.from}${state.to}`}
          range={state.range}
          from={state.from}
          to={state.to}
          onChange={update}
        />
      </div>
      <section aria-labelledby="open-title" className="panel">
        <h2 id="open-title">Open insights by severity</h2>
        <p className="muted small">open and regressed</p>
        {open.error ? (
          <QueryError error={open.error} />
        ) : (
          <ul className="severity-counts">
            {SEVERITIES.map((severity) => {
              const count = open.data?.[severity] ?? 0;
              return (
                <li key={severity}>
                  <Link
                    to={`/insights?status=open&severity=${severity}`}
                    className={`severity-count sev-${severity}`}
                    aria-label={`${count} open ${severity} insights`}
                  >
                    <span className="count">{open.isLoading ? '…' : count}</span> {severity}
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section aria-labelledby="health-title">
        <h2 id="health-title">Components</h2>
        {health.isLoading && <Loading what="component health" />}
        {health.error && <QueryError error={health.error} />}
        {health.data && (
          <>
            <p className="muted">
              {health.data.summary} (window {formatTime(health.data.window.from)} –{' '}
              {formatTime(health.data.window.to)})
            </p>
            {health.data.components.length === 0 && <p>No component has reported yet.</p>}
            <div className="grid">
              {health.data.components.map((component) => (
                <HealthCard
                  key={component.component}
                  health={component}
                  from={range.from}
                  to={range.to}
                />
              ))}
            </div>
          </>
        )}
      </section>
    </section>
  );
}
