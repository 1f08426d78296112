import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toISOString().replace('T', ' ').slice(0, 23);
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function Badge(props: { kind: string; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${props.kind}`} title={props.title}>
      {props.children}
    </span>
  );
}

/** A failed query: a refusal says which key scope is missing; anything else shows the service's message. */
export function QueryError(props: { error: unknown }) {
  const error = props.error;
  if (error instanceof ApiError && error.status === 401) {
    return (
      <p role="alert" className="error">
        Refused (401): this service needs an API key. Enter one with the “API key” button.
      </p>
    );
  }
  if (error instanceof ApiError && error.status === 403) {
    return (
      <p role="alert" className="error">
        Refused (403): the API key lacks the scope for this call ({error.message}).
      </p>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      Request failed{error instanceof ApiError ? ` (${error.status})` : ''}: {message}
    </p>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p aria-busy="true" className="muted">
      Loading {props.what}…
    </p>
  );
}

export function JsonView(props: { value: unknown; label: string }) {
  return (
    <pre className="json" aria-label={props.label} tabIndex={0}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

export const SEVERITY_RANK: Record<string, number> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};
