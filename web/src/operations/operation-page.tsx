import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type DebugEvent, type OperationProgress, type OperationStep } from '../api/client';
import { Badge, formatMs, formatTime, Loading, QueryError } from '../common/bits';
import { waterfall } from './waterfall';

function RecentFailures() {
  const query = useQuery({
    queryKey: ['events', 'recent-errors'],
    queryFn: () =>
      api.events(
        { level: 'error', from: new Date(Date.now() - 24 * 3_600_000).toISOString() },
        { limit: 300 },
      ),
  });
  if (query.isLoading) return <Loading what="recent failing operations" />;
  if (query.error) return <QueryError error={query.error} />;
  const seen = new Map<string, string>();
  for (const event of query.data?.items ?? [])
    if (event.correlation_id && !seen.has(event.correlation_id))
      seen.set(event.correlation_id, event.message);
  if (seen.size === 0) return <p>No failing operations in the last 24 hours.</p>;
  return (
    <ul className="links" aria-label="Operations with errors in the last 24 hours">
      {[...seen].slice(0, 30).map(([id, message]) => (
        <li key={id}>
          <Link to={`/operations/${encodeURIComponent(id)}`}>{id}</Link>{' '}
          <span className="muted">{message}</span>
        </li>
      ))}
    </ul>
  );
}

/** The probable root cause of the operation: the explanation of its last failure (GET /errors/{id}/explain). */
function useRootCause(progress: OperationProgress | undefined) {
  const failure = progress?.failures[progress.failures.length - 1];
  return useQuery({
    queryKey: ['explain', failure?.event_id],
    queryFn: () => api.explainError(failure!.event_id),
    enabled: Boolean(failure),
  });
}

function RootCause(props: { progress: OperationProgress; query: ReturnType<typeof useRootCause> }) {
  const { query } = props;
  if (props.progress.failures.length === 0) return null;
  if (query.isLoading) return <Loading what="root cause" />;
  if (query.error) return <QueryError error={query.error} />;
  const cause = query.data!.root_cause;
  return (
    <section className="panel root-cause" aria-labelledby="cause-title" data-testid="root-cause">
      <h2 id="cause-title">Probable root cause</h2>
      <p>
        <strong>
          {cause.event.component_type}/{cause.event.component_id}
        </strong>
        {cause.event.operation && <> in {cause.event.operation}</>}: “{cause.event.message}” at{' '}
        {formatTime(cause.event.timestamp)}
      </p>
      <p className="muted">
        {cause.reason} (confidence {(cause.confidence * 100).toFixed(0)} %) ·{' '}
        <Link to={`/events?event=${cause.event.id}&range=7d`}>event JSON</Link>
      </p>
    </section>
  );
}

function Waterfall(props: { progress: OperationProgress; cause?: DebugEvent }) {
  const cause = props.cause;
  const isCause = (step: OperationStep) =>
    Boolean(cause) &&
    step.component_id === cause!.component_id &&
    (cause!.operation ? step.name === cause!.operation : true);
  const { bars, from, to } = waterfall(props.progress);
  const total = to - from;
  return (
    <div className="waterfall" role="table" aria-label="Steps of the operation over time">
      <div role="row" className="wf-row wf-head">
        <span role="columnheader">step</span>
        <span role="columnheader">component</span>
        <span role="columnheader">duration</span>
        <span role="columnheader">timeline ({formatMs(total)})</span>
      </div>
      {bars.map((bar) => (
        <div
          role="row"
          key={bar.step.index}
          className={`wf-row status-${bar.step.status}${bar.critical ? ' critical' : ''}${isCause(bar.step) ? ' cause' : ''}`}
          data-testid="waterfall-step"
        >
          <span role="cell">
            {bar.step.name}{' '}
            {bar.critical && (
              <Badge kind="critical-path" title="on the critical path">
                critical path
              </Badge>
            )}{' '}
            {isCause(bar.step) && (
              <Badge kind="error" title="probable root cause">
                root cause
              </Badge>
            )}
          </span>
          <span role="cell">
            {bar.step.component_type}/{bar.step.component_id}
          </span>
          <span role="cell">
            {formatMs(bar.end - bar.start)}{' '}
            {bar.step.errors > 0 && <Badge kind="error">{bar.step.errors} errors</Badge>}
          </span>
          <span role="cell" className="wf-track">
            <span
              className="wf-bar"
              title={`${bar.step.status}: ${bar.step.last_message}`}
              style={{
                left: `${((bar.start - from) / total) * 100}%`,
                width: `${Math.max(0.5, ((bar.end - bar.start) / total) * 100)}%`,
              }}
            />
          </span>
        </div>
      ))}
    </div>
  );
}

export function OperationPage() {
  const { correlationId = '' } = useParams();
  const navigate = useNavigate();
  const [input, setInput] = useState(correlationId);
  const query = useQuery({
    queryKey: ['operation', correlationId],
    queryFn: () => api.operation(correlationId),
    enabled: Boolean(correlationId),
  });
  const cause = useRootCause(query.data);
  return (
    <section aria-labelledby="op-title">
      <h1 id="op-title">Operation {correlationId && <code>{correlationId}</code>}</h1>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          if (input.trim()) navigate(`/operations/${encodeURIComponent(input.trim())}`);
        }}
      >
        <label>
          Correlation id <input value={input} onChange={(event) => setInput(event.target.value)} />
        </label>
        <button type="submit">Show</button>
      </form>
      {!correlationId && <RecentFailures />}
      {query.isLoading && <Loading what="operation" />}
      {query.error && <QueryError error={query.error} />}
      {query.data && (
        <>
          <p className="row">
            <Badge kind={query.data.status}>{query.data.status}</Badge> {query.data.summary}
          </p>
          <p className="muted">
            {query.data.events} events · started {formatTime(query.data.started_at)} · elapsed{' '}
            {formatMs(query.data.elapsed_ms)}
            {query.data.events_truncated && ' · truncated to the first 5,000 events'} ·{' '}
            <Link to={`/events?correlation_id=${encodeURIComponent(correlationId)}&range=7d`}>
              its events
            </Link>
          </p>
          <RootCause progress={query.data} query={cause} />
          <Waterfall progress={query.data} cause={cause.data?.root_cause.event} />
          {query.data.failures.length > 0 && (
            <section className="panel" aria-labelledby="fail-title">
              <h2 id="fail-title">Failures</h2>
              <ul>
                {query.data.failures.map((failure) => (
                  <li key={failure.event_id}>
                    {formatTime(failure.timestamp)} {failure.step} ({failure.component_type}/
                    {failure.component_id}): {failure.message}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </section>
  );
}
