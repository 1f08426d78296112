import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState, useSyncExternalStore } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { onApiKeyChange, storeApiKey, storedApiKey } from './api/client';
import { OverviewPage } from './overview/overview-page';

// The overview is in the first bundle; other pages load when opened (keeps the first view's script small).
const AskPage = lazy(() =>
  import('./ask/ask-page').then((module) => ({ default: module.AskPage })),
);
const EventsPage = lazy(() =>
  import('./events/events-page').then((module) => ({ default: module.EventsPage })),
);
const InsightPage = lazy(() =>
  import('./insights/insight-page').then((module) => ({ default: module.InsightPage })),
);
const InsightsPage = lazy(() =>
  import('./insights/insights-page').then((module) => ({ default: module.InsightsPage })),
);
const OperationPage = lazy(() =>
  import('./operations/operation-page').then((module) => ({ default: module.OperationPage })),
);
const PatternsPage = lazy(() =>
  import('./patterns/patterns-page').then((module) => ({ default: module.PatternsPage })),
);
const SessionsPage = lazy(() =>
  import('./sessions/sessions-page').then((module) => ({ default: module.SessionsPage })),
);
const StatePage = lazy(() =>
  import('./state/state-page').then((module) => ({ default: module.StatePage })),
);

const NAV = [
  ['/', 'Overview'],
  ['/insights', 'Insights'],
  ['/events', 'Events'],
  ['/operations', 'Operations'],
  ['/patterns', 'Patterns'],
  ['/state', 'State'],
  ['/ask', 'Ask'],
  ['/sessions', 'Sessions'],
] as const;

let keyPromptListener: (() => void) | null = null;
/** Opens the API key dialog (called when a request was refused with 401). */
export function requestApiKey(): void {
  keyPromptListener?.();
}

function useTheme(): [string, () => void] {
  const [theme, setTheme] = useState(
    () =>
      localStorage.getItem('ads.theme') ??
      (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'),
  );
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('ads.theme', theme);
  }, [theme]);
  return [theme, () => setTheme(theme === 'dark' ? 'light' : 'dark')];
}

function ApiKeyDialog(props: { onClose: () => void }) {
  const [value, setValue] = useState(storedApiKey() ?? '');
  const queryClient = useQueryClient();
  return (
    <div className="dialog-backdrop">
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="key-title"
        className="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          storeApiKey(value.trim() || null);
          props.onClose();
          void queryClient.invalidateQueries();
        }}
      >
        <h2 id="key-title">API key</h2>
        <p>
          This service has API keys. A key with the <code>read</code> scope shows everything;
          resolving insights needs <code>ingest</code> or <code>admin</code>. The key is kept in
          this tab’s session storage only.
        </p>
        <label>
          Key
          <input
            autoFocus
            type="password"
            autoComplete="off"
            value={value}
            onChange={(event) => setValue(event.target.value)}
          />
        </label>
        <div className="row">
          <button type="submit">Use key</button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          {storedApiKey() && (
            <button
              type="button"
              onClick={() => {
                storeApiKey(null);
                props.onClose();
                void queryClient.invalidateQueries();
              }}
            >
              Forget key
            </button>
          )}
        </div>
      </form>
    </div>
  );
}

export function App() {
  const [theme, toggleTheme] = useTheme();
  const [askingKey, setAskingKey] = useState(false);
  const hasKey = useSyncExternalStore(onApiKeyChange, () => Boolean(storedApiKey()));
  useEffect(() => {
    keyPromptListener = () => setAskingKey(true);
    return () => {
      keyPromptListener = null;
    };
  }, []);
  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <strong className="brand">AI Debug</strong>
        <nav aria-label="Pages">
          {NAV.map(([to, label]) => (
            <NavLink key={to} to={to} end={to === '/'}>
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="row">
          <button
            type="button"
            onClick={() => setAskingKey(true)}
            aria-label={hasKey ? 'API key (set)' : 'API key'}
          >
            API key{hasKey ? ' ✓' : ''}
          </button>
          <button
            type="button"
            onClick={toggleTheme}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          >
            {theme === 'dark' ? '☀ Light' : '☾ Dark'}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/insights" element={<InsightsPage />} />
            <Route path="/insights/:id" element={<InsightPage />} />
            <Route path="/events" element={<EventsPage />} />
            <Route path="/operations" element={<OperationPage />} />
            <Route path="/operations/:correlationId" element={<OperationPage />} />
            <Route path="/patterns" element={<PatternsPage />} />
            <Route path="/state" element={<StatePage />} />
            <Route path="/ask" element={<AskPage />} />
            <Route path="/sessions" element={<SessionsPage />} />
            <Route path="*" element={<p>No such page.</p>} />
          </Routes>
        </Suspense>
      </main>
      {askingKey && <ApiKeyDialog onClose={() => setAskingKey(false)} />}
    </div>
  );
}
