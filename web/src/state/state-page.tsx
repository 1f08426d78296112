import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { formatTime, JsonView, Loading, QueryError } from '../common/bits';
import { useUrlState } from '../common/url-state';

function ConsistencyGroups() {
  const query = useQuery({
    queryKey: ['insights', 'consistency'],
    queryFn: () => api.insights({ type: 'consistency', limit: 50 }),
  });
  if (query.isLoading) return <Loading what="consistency insights" />;
  if (query.error) return <QueryError error={query.error} />;
  const items = query.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="consistency-title">
      <h2 id="consistency-title">Consistency groups</h2>
      {items.length === 0 && <p>No replicas disagree.</p>}
      {items.map((insight) => (
        <details key={insight.id}>
          <summary>
            {insight.status} · {insight.title}
          </summary>
          <p>{insight.summary}</p>
          <JsonView value={insight.evidence} label="Diverging fields" />
        </details>
      ))}
    </section>
  );
}

export function StatePage() {
  const [state, update] = useUrlState(['type', 'id', 'a', 'b'] as const);
  const ready = Boolean(state.type && state.id);
  const history = useQuery({
    queryKey: ['state', 'history', state.type, state.id],
    queryFn: () => api.stateHistory(state.type, state.id),
    enabled: ready,
  });
  const versions = history.data?.items ?? [];
  const a = Number(state.a) || versions[1]?.version || 0;
  const b = Number(state.b) || versions[0]?.version || 0;
  const diff = useQuery({
    queryKey: ['state', 'diff', state.type, state.id, a, b],
    queryFn: () => api.stateDiff(state.type, state.id, a, b),
    enabled: ready && a > 0 && b > 0 && a !== b,
  });
  const left = versions.find((version) => version.version === a);
  const right = versions.find((version) => version.version === b);
  const changed = new Set(diff.data?.patch.map((operation) => operation.path) ?? []);
  return (
    <section aria-labelledby="state-title">
      <h1 id="state-title">State</h1>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          update({
            type: String(form.get('type')).trim(),
            id: String(form.get('id')).trim(),
            a: null,
            b: null,
          });
        }}
      >
        <label>
          Component type <input name="type" defaultValue={state.type} required />
        </label>
        <label>
          Component id <input name="id" defaultValue={state.id} required />
        </label>
        <button type="submit">Show snapshots</button>
      </form>
      {history.isLoading && <Loading what="snapshots" />}
      {history.error && <QueryError error={history.error} />}
      {versions.length > 0 && (
        <>
          <table className="table">
            <caption className="sr-only">Snapshots, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Captured</th>
                <th scope="col">Tier</th>
                <th scope="col">Compare</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((version) => (
                <tr key={version.version}>
                  <td>v{version.version}</td>
                  <td>{formatTime(version.captured_at)}</td>
                  <td>{version.tier ?? ''}</td>
                  <td className="row">
                    <button
                      type="button"
                      aria-pressed={a === version.version}
                      onClick={() => update({ a: String(version.version) })}
                    >
                      as left
                    </button>
                    <button
                      type="button"
                      aria-pressed={b === version.version}
                      onClick={() => update({ b: String(version.version) })}
                    >
                      as right
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {diff.error && <QueryError error={diff.error} />}
          {diff.data && (
            <section className="panel" aria-labelledby="diff-title">
              <h2 id="diff-title">
                v{a} → v{b}: {diff.data.patch.length} changes
              </h2>
              <ul className="diff">
                {diff.data.patch.map((operation, index) => (
                  <li key={index} className={`op-${operation.op}`}>
                    <code>{operation.op}</code> <code>{operation.path}</code>{' '}
                    {operation.value !== undefined && (
                      <code>{JSON.stringify(operation.value)}</code>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <div className="columns">
            {left && <JsonView value={left.state} label={`State v${left.version}`} />}
            {right && <JsonView value={right.state} label={`State v${right.version}`} />}
          </div>
          {changed.size > 0 && <p className="muted">Changed paths: {[...changed].join(', ')}</p>}
        </>
      )}
      <ConsistencyGroups />
    </section>
  );
}
