import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import { formatTime, Loading, QueryError } from '../common/bits';
import { resolveRange, TimeRangePicker } from '../common/time-range';
import { useUrlState } from '../common/url-state';

export function PatternsPage() {
  const [state, update] = useUrlState(['range', 'from', 'to', 'component_type'] as const);
  const range = resolveRange(state.range || '24h', state.from, state.to);
  const query = useQuery({
    queryKey: ['patterns', range.from, range.to, state.component_type],
    queryFn: () =>
      api.patterns({
        from: range.from,
        to: range.to,
        component_type: state.component_type || undefined,
      }),
  });
  return (
    <section aria-labelledby="patterns-title">
      <div className="row spread">
        <h1 id="patterns-title">Patterns</h1>
        <TimeRangePicker
          key={`${state.from}${state.to}`}
          range={state.range || '24h'}
          from={state.from}
          to={state.to}
          onChange={update}
        />
      </div>
      <p className="muted">
        Message templates of warning-and-above events, most frequent first. “Trend” is the count in
        the range against the pattern’s stored total.
      </p>
      <label>
        Component type{' '}
        <input
          key={state.component_type}
          defaultValue={state.component_type}
          onBlur={(event) => update({ component_type: event.target.value.trim() })}
        />
      </label>
      {query.isLoading && <Loading what="patterns" />}
      {query.error && <QueryError error={query.error} />}
      <table className="table">
        <caption className="sr-only">Patterns</caption>
        <thead>
          <tr>
            <th scope="col">Template</th>
            <th scope="col">Count</th>
            <th scope="col">Trend</th>
            <th scope="col">Levels</th>
            <th scope="col">Components</th>
            <th scope="col">First / last seen</th>
          </tr>
        </thead>
        <tbody>
          {query.data?.items.map((pattern) => (
            <tr key={pattern.pattern_id} data-testid="pattern-row">
              <td>
                <Link
                  to={`/events?pattern_id=${pattern.pattern_id}&from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`}
                >
                  <code>{pattern.template}</code>
                </Link>
              </td>
              <td>{pattern.count}</td>
              <td title="share of the pattern's stored total seen in this range">
                {pattern.total_count
                  ? `${Math.round((pattern.count / pattern.total_count) * 100)} % of ${pattern.total_count}`
                  : '–'}
              </td>
              <td>
                {Object.entries(pattern.levels)
                  .map(([level, count]) => `${level} ${count}`)
                  .join(', ')}
              </td>
              <td>
                {pattern.components
                  .slice(0, 4)
                  .map((component) => `${component.component_id} (${component.count})`)
                  .join(', ')}
                {pattern.components.length > 4 && ` +${pattern.components.length - 4}`}
              </td>
              <td>
                {formatTime(pattern.first_seen)}
                <br />
                {formatTime(pattern.last_seen)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
