import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client';
import { JsonView, QueryError } from '../common/bits';
import { useUrlState } from '../common/url-state';

export function AskPage() {
  const [state, update] = useUrlState(['q', 'session_id'] as const);
  const [question, setQuestion] = useState(state.q);
  const ask = useMutation({
    mutationFn: (text: string) => api.ask(text, state.session_id || undefined),
  });
  return (
    <section aria-labelledby="ask-title">
      <h1 id="ask-title">Ask</h1>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          update({ q: question });
          ask.mutate(question);
        }}
      >
        <label className="grow">
          Question
          <input
            value={question}
            onChange={(event) => setQuestion(event.target.value)}
            placeholder="why is payment-service failing since 10:00?"
            required
            maxLength={1000}
          />
        </label>
        <button type="submit" disabled={ask.isPending}>
          Ask
        </button>
      </form>
      {ask.error && <QueryError error={ask.error} />}
      {ask.data && (
        <article className="panel" aria-label="Answer">
          <p className="muted">
            intent {ask.data.intent} · confidence {(ask.data.confidence * 100).toFixed(0)} %
          </p>
          <p data-testid="answer">{ask.data.answer}</p>
          {ask.data.examples && (
            <ul>
              {ask.data.examples.map((example) => (
                <li key={example}>
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setQuestion(example);
                      update({ q: example });
                      ask.mutate(example);
                    }}
                  >
                    {example}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <h2>Queries it ran</h2>
          <ul>
            {ask.data.queries.map((query, index) => (
              <li key={index}>
                <code>
                  {query.method} {query.path}
                </code>{' '}
                {query.body !== undefined && <code>{JSON.stringify(query.body)}</code>}
              </li>
            ))}
          </ul>
          <details>
            <summary>Data</summary>
            <JsonView value={ask.data.data} label="Answer data" />
          </details>
        </article>
      )}
    </section>
  );
}
