import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, SEVERITIES } from '../api/client';
import { Badge, formatTime, Loading, QueryError, SEVERITY_RANK } from '../common/bits';
import { useUrlState } from '../common/url-state';
import { useLiveInsights } from './live-insights';

const STATUSES = ['open', 'regressed', 'resolved'] as const;
const TYPES = ['error', 'performance', 'flow', 'consistency', 'anomaly'];

export function InsightsPage() {
  const [state, update] = useUrlState([
    'status',
    'severity',
    'type',
    'component',
    'session_id',
  ] as const);
  const status = state.status || 'open';
  const live = useLiveInsights(state.session_id || undefined);
  const query = useQuery({
    queryKey: [
      'insights',
      'list',
      status,
      state.severity,
      state.type,
      state.component,
      state.session_id,
    ],
    queryFn: () =>
      api.insights({
        status: status === 'all' ? undefined : status,
        severity: state.severity || undefined,
        type: state.type || undefined,
        component: state.component || undefined,
        session_id: state.session_id || undefined,
        limit: 500,
      }),
  });
  const insights = [...(query.data?.items ?? [])].sort(
    (a, b) =>
      (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0) ||
      b.confidence - a.confidence ||
      b.last_seen.localeCompare(a.last_seen),
  );
  return (
    <section aria-labelledby="insights-title">
      <div className="row spread">
        <h1 id="insights-title">Insights</h1>
        <span className="muted" aria-live="polite" data-testid="live-status">
          live: {live.status}
        </span>
      </div>
      <div className="tabs" role="tablist" aria-label="Status">
        {[...STATUSES, 'all'].map((value) => (
          <button
            key={value}
            role="tab"
            type="button"
            aria-selected={status === value}
            onClick={() => update({ status: value })}
          >
            {value}
          </button>
        ))}
      </div>
      <div className="filters row">
        <label>
          Severity
          <select
            value={state.severity}
            onChange={(event) => update({ severity: event.target.value })}
          >
            <option value="">any</option>
            {SEVERITIES.map((severity) => (
              <option key={severity}>{severity}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={state.type} onChange={(event) => update({ type: event.target.value })}>
            <option value="">any</option>
            {TYPES.map((type) => (
              <option key={type}>{type}</option>
            ))}
          </select>
        </label>
        <label>
          Component id
          <input
            defaultValue={state.component}
            onBlur={(event) => update({ component: event.target.value })}
            onKeyDown={(event) =>
              event.key === 'Enter' && update({ component: event.currentTarget.value })
            }
          />
        </label>
        {state.session_id && (
          <span>
            session {state.session_id.slice(0, 8)}…{' '}
            <button type="button" onClick={() => update({ session_id: null })}>
              clear
            </button>
          </span>
        )}
      </div>
      {live.recent.length > 0 && (
        <p className="notice" role="status">
          Live: {live.recent[0].change ?? 'updated'} “{live.recent[0].title}”
        </p>
      )}
      {query.isLoading && <Loading what="insights" />}
      {query.error && <QueryError error={query.error} />}
      {query.data && insights.length === 0 && <p>No {status === 'all' ? '' : status} insights.</p>}
      <ul className="list" aria-label="Insights">
        {insights.map((insight) => (
          <li key={insight.id} className="list-row" data-testid="insight-row">
            <Badge kind={`sev-${insight.severity}`}>{insight.severity}</Badge>
            <Badge kind={insight.status}>{insight.status}</Badge>
            <Link to={`/insights/${insight.id}`} className="grow">
              {insight.title}
            </Link>
            <span className="muted" title="confidence">
              {(insight.confidence * 100).toFixed(0)} %
            </span>
            <span className="muted">{insight.insight_type}</span>
            <span className="muted">×{insight.occurrences}</span>
            <time className="muted" dateTime={insight.last_seen}>
              {formatTime(insight.last_seen)}
            </time>
          </li>
        ))}
      </ul>
    </section>
  );
}
