import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import { Badge, formatTime, Loading, QueryError } from '../common/bits';
import { useUrlState } from '../common/url-state';

function SessionDetail(props: { id: string }) {
  const queryClient = useQueryClient();
  const [summary, setSummary] = useState('');
  const query = useQuery({
    queryKey: ['sessions', 'one', props.id],
    queryFn: () => api.session(props.id),
  });
  const close = useMutation({
    mutationFn: () => api.closeSession(props.id, summary),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  if (query.isLoading) return <Loading what="session" />;
  if (query.error) return <QueryError error={query.error} />;
  const session = query.data!;
  const scope = `session_id=${encodeURIComponent(session.id)}`;
  return (
    <article className="panel" aria-label={`Session ${session.name}`}>
      <h2>{session.name}</h2>
      <p>{session.description}</p>
      <p>
        <Badge kind={session.status}>{session.status}</Badge> {session.events_count} events ·
        created {formatTime(session.created_at)}
      </p>
      <p className="row">
        Scope the console to it: <Link to={`/events?${scope}&range=7d`}>events</Link>{' '}
        <Link to={`/insights?${scope}&status=all`}>insights</Link>{' '}
        <Link to={`/ask?${scope}`}>ask</Link>
      </p>
      {session.insights.length > 0 && (
        <ul>
          {session.insights.map((insight) => (
            <li key={insight.id}>
              <Link to={`/insights/${insight.id}`}>{insight.title}</Link> ({insight.severity},{' '}
              {insight.status})
            </li>
          ))}
        </ul>
      )}
      {session.status === 'active' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            close.mutate();
          }}
        >
          <label className="block">
            Summary of what was found
            <textarea
              value={summary}
              onChange={(event) => setSummary(event.target.value)}
              required
              rows={2}
            />
          </label>
          <button type="submit">Close session</button>
          {close.error && <QueryError error={close.error} />}
        </form>
      )}
    </article>
  );
}

export function SessionsPage() {
  const [state, update] = useUrlState(['status', 'open'] as const);
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['sessions', 'list', state.status],
    queryFn: () => api.sessions(state.status || undefined),
  });
  const create = useMutation({
    mutationFn: (form: { name: string; description: string }) =>
      api.createSession(form.name, form.description),
    onSuccess: (session) => {
      void queryClient.invalidateQueries({ queryKey: ['sessions'] });
      update({ open: session.id });
    },
  });
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          create.mutate({
            name: String(form.get('name')),
            description: String(form.get('description')),
          });
        }}
      >
        <label>
          Name <input name="name" required maxLength={200} />
        </label>
        <label>
          Description <input name="description" maxLength={2000} />
        </label>
        <button type="submit">Open a session</button>
      </form>
      {create.error && <QueryError error={create.error} />}
      <label>
        Status
        <select value={state.status} onChange={(event) => update({ status: event.target.value })}>
          <option value="">any</option>
          <option value="active">active</option>
          <option value="closed">closed</option>
        </select>
      </label>
      {list.isLoading && <Loading what="sessions" />}
      {list.error && <QueryError error={list.error} />}
      <div className="split">
        <ul className="list grow" aria-label="Sessions">
          {list.data?.items.map((session) => (
            <li key={session.id} className="list-row">
              <Badge kind={session.status}>{session.status}</Badge>
              <button
                type="button"
                className="link grow"
                onClick={() => update({ open: session.id })}
                aria-pressed={state.open === session.id}
              >
                {session.name}
              </button>
              <span className="muted">{formatTime(session.created_at)}</span>
            </li>
          ))}
        </ul>
        {state.open && <SessionDetail id={state.open} />}
      </div>
    </section>
  );
}
