import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, type Insight, type InsightOccurrences } from '../api/client';
import { Badge, formatTime, JsonView, Loading, QueryError } from '../common/bits';
import { HistogramChart } from '../common/histogram-chart';
import { useLiveInsights } from './live-insights';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface EvidenceLinks {
  events: Set<string>;
  correlations: Set<string>;
  patterns: Set<string>;
}

/** Walks the evidence JSON for ids by the key they sit under (event…, correlation…, pattern…). */
function evidenceLinks(evidence: unknown): EvidenceLinks {
  const links: EvidenceLinks = { events: new Set(), correlations: new Set(), patterns: new Set() };
  const visit = (value: unknown, key: string) => {
    if (Array.isArray(value)) value.forEach((item) => visit(item, key));
    else if (value && typeof value === 'object')
      Object.entries(value).forEach(([child, item]) => visit(item, child));
    else if (typeof value === 'string') {
      const name = key.toLowerCase();
      if (name.includes('correlation')) links.correlations.add(value);
      else if (name.includes('pattern')) links.patterns.add(value);
      else if (name.includes('event') && UUID.test(value)) links.events.add(value);
    }
  };
  visit(evidence, '');
  return links;
}

function LinkList(props: {
  title: string;
  items: Set<string>;
  to: (item: string) => string;
  label?: (item: string) => ReactNode;
}) {
  if (props.items.size === 0) return null;
  return (
    <div>
      <h3>{props.title}</h3>
      <ul className="links">
        {[...props.items].slice(0, 50).map((item) => (
          <li key={item}>
            <Link to={props.to(item)}>{props.label ? props.label(item) : item}</Link>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ResolveForm(props: { insight: Insight }) {
  const [note, setNote] = useState('');
  const queryClient = useQueryClient();
  const resolve = useMutation({
    mutationFn: () => api.resolveInsight(props.insight.id, note),
    onSuccess: (updated) => {
      queryClient.setQueryData(['insights', 'one', updated.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['insights'] });
      setNote('');
    },
  });
  if (props.insight.status === 'resolved') {
    return (
      <p className="notice" role="status" data-testid="resolution">
        Resolved {formatTime(props.insight.resolved_at)}: {props.insight.resolution}
      </p>
    );
  }
  return (
    <form
      className="panel"
      onSubmit={(event) => {
        event.preventDefault();
        resolve.mutate();
      }}
    >
      <label className="block">
        Resolution note (what was done)
        <textarea
          required
          maxLength={4000}
          rows={3}
          value={note}
          onChange={(event) => setNote(event.target.value)}
        />
      </label>
      <button type="submit" disabled={resolve.isPending || note.trim() === ''}>
        Resolve
      </button>
      {resolve.error && <QueryError error={resolve.error} />}
    </form>
  );
}

/** Which events the occurrence chart counts, in words. */
function subjectText(subject: InsightOccurrences['subject']): string {
  const parts: string[] = [];
  if (subject.pattern_ids) parts.push(`error pattern ${subject.pattern_ids[0]}`);
  if (subject.components)
    parts.push(
      subject.components
        .map((component) =>
          component.component_id
            ? `${component.component_type}/${component.component_id}`
            : component.component_type,
        )
        .join(', '),
    );
  if (subject.operation) parts.push(`operation ${subject.operation}`);
  if (subject.session_id) parts.push(`session ${subject.session_id}`);
  return parts.join(' · ') || 'all events';
}

/** The insight's events per bucket, from an hour before it was first seen to an hour after it was last seen. */
function OccurrenceChart(props: { insight: Insight }) {
  const query = useQuery({
    queryKey: ['insights', 'occurrences', props.insight.id, props.insight.last_seen],
    queryFn: () => api.insightOccurrences(props.insight.id),
  });
  if (query.isLoading) return <Loading what="occurrences" />;
  if (query.error) return <QueryError error={query.error} />;
  const occurrences = query.data!;
  return (
    <div data-testid="insight-occurrences">
      <p className="muted small">
        Events of {subjectText(occurrences.subject)}, {formatTime(occurrences.from)} –{' '}
        {formatTime(occurrences.to)}
      </p>
      <HistogramChart
        histogram={occurrences}
        height={120}
        label="Occurrences of the insight's events over time"
      />
    </div>
  );
}

export function InsightPage() {
  const { id = '' } = useParams();
  useLiveInsights();
  const query = useQuery({ queryKey: ['insights', 'one', id], queryFn: () => api.insight(id) });
  if (query.isLoading) return <Loading what="insight" />;
  if (query.error) return <QueryError error={query.error} />;
  const insight = query.data!;
  const links = evidenceLinks(insight.evidence);
  return (
    <article aria-labelledby="insight-title">
      <p>
        <Link to="/insights">← Insights</Link>
      </p>
      <h1 id="insight-title">{insight.title}</h1>
      <p className="row">
        <Badge kind={`sev-${insight.severity}`}>{insight.severity}</Badge>
        <Badge kind={insight.status}>{insight.status}</Badge>
        <span>{insight.insight_type}</span>
        <span>confidence {(insight.confidence * 100).toFixed(0)} %</span>
      </p>
      <p>{insight.summary}</p>
      <div className="columns">
        <section className="panel" aria-labelledby="occ-title">
          <h2 id="occ-title">Occurrences</h2>
          <dl className="metrics">
            <dt>occurrences</dt>
            <dd>{insight.occurrences}</dd>
            <dt>first seen</dt>
            <dd>{formatTime(insight.first_seen)}</dd>
            <dt>last seen</dt>
            <dd>{formatTime(insight.last_seen)}</dd>
          </dl>
          <OccurrenceChart insight={insight} />
        </section>
        <section className="panel" aria-labelledby="conf-title">
          <h2 id="conf-title">Confidence factors</h2>
          <dl className="metrics">
            {Object.entries(insight.confidence_factors ?? {}).map(([factor, value]) => (
              <div key={factor} className="factor">
                <dt>{factor.replace(/_/g, ' ')}</dt>
                <dd>
                  <meter min={0} max={1} value={value} aria-label={factor} /> {value.toFixed(2)}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
      <section className="panel" aria-labelledby="evidence-title">
        <h2 id="evidence-title">Evidence</h2>
        <LinkList
          title="Components"
          items={
            new Set(
              insight.affected_components.map((c) => `${c.component_type}/${c.component_id ?? ''}`),
            )
          }
          to={(item) => {
            const [type, componentId] = item.split('/');
            return `/events?component_type=${encodeURIComponent(type)}${componentId ? `&component_id=${encodeURIComponent(componentId)}` : ''}`;
          }}
        />
        <LinkList
          title="Events"
          items={links.events}
          to={(item) => `/events?event=${item}&range=7d`}
        />
        <LinkList
          title="Chains"
          items={links.correlations}
          to={(item) => `/operations/${encodeURIComponent(item)}`}
        />
        <LinkList
          title="Patterns"
          items={links.patterns}
          to={(item) => `/events?pattern_id=${encodeURIComponent(item)}&range=7d`}
        />
        <details>
          <summary>Evidence JSON</summary>
          <JsonView value={insight.evidence} label="Evidence JSON" />
        </details>
      </section>
      {insight.suggestions.length > 0 && (
        <section className="panel" aria-labelledby="sugg-title">
          <h2 id="sugg-title">Suggestions</h2>
          <ul>
            {insight.suggestions.map((suggestion) => (
              <li key={suggestion}>{suggestion}</li>
            ))}
          </ul>
        </section>
      )}
      <ResolveForm insight={insight} />
    </article>
  );
}
