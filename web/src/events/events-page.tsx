import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { Link } from 'react-router';
import { api, LEVELS, type EventFilters } from '../api/client';
import { formatTime, JsonView, Loading, QueryError } from '../common/bits';
import { HistogramChart } from '../common/histogram-chart';
import { bucketize, TimeChart } from '../common/time-chart';
import { resolveRange, TimeRangePicker } from '../common/time-range';
import { useUrlState } from '../common/url-state';
import { EventList } from './event-list';
import { useLiveTail } from './live-tail';

const KEYS = [
  'range',
  'from',
  'to',
  'component_type',
  'component_id',
  'event_type',
  'level',
  'correlation_id',
  'pattern_id',
  'session_id',
  'text',
  'event',
  'live',
] as const;
const TEXT_FILTERS = [
  ['component_type', 'Component type'],
  ['component_id', 'Component id'],
  ['event_type', 'Event type'],
  ['correlation_id', 'Correlation id'],
  ['pattern_id', 'Pattern id'],
  ['session_id', 'Session id'],
  ['text', 'Message contains'],
] as const;
const PAGE_SIZE = 200;
const HISTOGRAM_BUCKETS = 80;

function EventDetail(props: { id: string; onClose: () => void }) {
  const query = useQuery({
    queryKey: ['events', 'one', props.id],
    queryFn: () => api.event(props.id),
  });
  return (
    <aside className="panel detail" aria-label="Event details">
      <div className="row spread">
        <h2>Event</h2>
        <button type="button" onClick={props.onClose} aria-label="Close event details">
          ✕
        </button>
      </div>
      {query.isLoading && <Loading what="event" />}
      {query.error && <QueryError error={query.error} />}
      {query.data && (
        <>
          <p>
            from the <strong data-testid="event-tier">{query.data.tier}</strong> tier
            {query.data.correlation_id && (
              <>
                {' · '}
                <Link to={`/operations/${encodeURIComponent(query.data.correlation_id)}`}>
                  operation {query.data.correlation_id}
                </Link>
              </>
            )}
          </p>
          <JsonView value={query.data} label="Event JSON" />
        </>
      )}
    </aside>
  );
}

export function EventsPage() {
  const [state, update] = useUrlState(KEYS);
  const range = resolveRange(state.range || '1h', state.from, state.to);
  const filters: EventFilters = useMemo(
    () => ({
      from: range.from,
      to: range.to,
      component_type: state.component_type || undefined,
      component_id: state.component_id || undefined,
      event_type: state.event_type || undefined,
      level: state.level || undefined,
      correlation_id: state.correlation_id || undefined,
      pattern_id: state.pattern_id || undefined,
      session_id: state.session_id || undefined,
      text: state.text || undefined,
    }),
    [
      range.from,
      range.to,
      state.component_type,
      state.component_id,
      state.event_type,
      state.level,
      state.correlation_id,
      state.pattern_id,
      state.session_id,
      state.text,
    ],
  );
  const liveOn = state.live === '1';
  const { from: _from, to: _to, ...streamFilters } = filters;
  const tail = useLiveTail(liveOn, streamFilters);
  const pages = useInfiniteQuery({
    queryKey: ['events', 'list', filters],
    queryFn: ({ pageParam }) => api.events(filters, { limit: PAGE_SIZE, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled: !liveOn,
  });
  const stored = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data]);
  const rows = liveOn ? tail.events : stored;
  const tiers = useMemo(() => {
    const seen: Record<string, number> = {};
    for (const event of stored)
      seen[event.tier ?? 'unknown'] = (seen[event.tier ?? 'unknown'] ?? 0) + 1;
    return seen;
  }, [stored]);
  const counts = useQuery({
    queryKey: ['events', 'histogram', filters],
    queryFn: () => api.histogram(filters, HISTOGRAM_BUCKETS),
    enabled: !liveOn,
  });
  const liveHistogram = useMemo(() => {
    if (!liveOn) return null;
    const from = Date.parse(range.from);
    const to = Date.parse(range.to);
    const all = bucketize(
      rows.map((event) => event.timestamp),
      from,
      to,
      HISTOGRAM_BUCKETS,
    );
    const errors = bucketize(
      rows
        .filter(
          (event) =>
            event.level === 'error' || event.level === 'critical' || event.event_type === 'error',
        )
        .map((event) => event.timestamp),
      from,
      to,
      HISTOGRAM_BUCKETS,
    );
    return {
      x: all.starts,
      series: [
        { label: 'events', values: all.counts, color: '#4f6bed' },
        { label: 'errors', values: errors.counts, color: '#d6336c' },
      ],
    };
  }, [liveOn, rows, range.from, range.to]);
  const zoom = useCallback(
    (from: number, to: number) =>
      update({ range: null, from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
    [update],
  );
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <section aria-labelledby="events-title" className="events-page">
      <div className="row spread">
        <h1 id="events-title">Events</h1>
        <TimeRangePicker
          key={`${state.from}${state.to}`}
          range={state.range}
          from={state.from}
          to={state.to}
          onChange={update}
        />
      </div>
      <form
        className="filters"
        aria-label="Event filters"
        onSubmit={(event) => event.preventDefault()}
      >
        <label>
          Level
          <select value={state.level} onChange={(event) => update({ level: event.target.value })}>
            <option value="">any</option>
            {LEVELS.map((level) => (
              <option key={level}>{level}</option>
            ))}
          </select>
        </label>
        {TEXT_FILTERS.map(([key, label]) => (
          <label key={`${key}-${state[key]}`}>
            {label}
            <input
              name={key}
              defaultValue={state[key]}
              onBlur={(event) =>
                event.target.value !== state[key] && update({ [key]: event.target.value.trim() })
              }
              onKeyDown={(event) =>
                event.key === 'Enter' && update({ [key]: event.currentTarget.value.trim() })
              }
            />
          </label>
        ))}
        <button
          type="button"
          onClick={() =>
            update(
              Object.fromEntries(TEXT_FILTERS.map(([key]) => [key, null])) as Record<string, null>,
            )
          }
        >
          Clear filters
        </button>
      </form>
      <div className="row spread">
        <div className="row" role="group" aria-label="Live tail">
          <button
            type="button"
            aria-pressed={liveOn}
            onClick={() => update({ live: liveOn ? null : '1' })}
          >
            {liveOn ? '■ Stop live tail' : '▶ Live tail'}
          </button>
          {liveOn && (
            <>
              {tail.paused ? (
                <button type="button" onClick={tail.resume}>
                  Resume ({tail.buffered} waiting)
                </button>
              ) : (
                <button type="button" onClick={tail.pause}>
                  Pause
                </button>
              )}
              <span className="muted" data-testid="live-status" aria-live="polite">
                {tail.status}
              </span>
            </>
          )}
        </div>
        <p className="muted" data-testid="page-summary" aria-live="polite">
          {liveOn
            ? `${rows.length} live events`
            : `${stored.length} events loaded${pages.hasNextPage ? ' (more available)' : ''} · tiers: ${
                Object.entries(tiers)
                  .map(([tier, count]) => `${tier} ${count}`)
                  .join(', ') || '–'
              }`}
        </p>
      </div>
      {tail.drops.map((drop) => (
        <p key={drop} role="alert" className="notice">
          {drop}
        </p>
      ))}
      {liveHistogram ? (
        <>
          <TimeChart
            x={liveHistogram.x}
            series={liveHistogram.series}
            height={110}
            bars
            label="Histogram of the live events over the range"
          />
          <p className="muted small">
            Histogram of the live events between {formatTime(range.from)} and {formatTime(range.to)}
            .
          </p>
        </>
      ) : counts.data ? (
        <HistogramChart
          histogram={counts.data}
          height={110}
          label="Histogram of the matching events over the range; drag to zoom"
          onZoom={zoom}
        />
      ) : (
        <div className="chart placeholder" style={{ height: 110 }} aria-hidden="true" />
      )}
      {!liveOn && (
        <p className="muted small">
          Every matching event between {formatTime(range.from)} and {formatTime(range.to)}, counted
          by the server; drag across the chart to zoom.
        </p>
      )}
      {counts.error && <QueryError error={counts.error} />}
      {pages.error && <QueryError error={pages.error} />}
      <div className="split">
        <div className="grow">
          {!liveOn && pages.isLoading && <Loading what="events" />}
          {rows.length === 0 && !pages.isLoading && <p>No events match.</p>}
          <EventList
            events={rows}
            selected={state.event}
            onSelect={(id) => update({ event: id })}
            onEnd={liveOn ? undefined : loadMore}
            label="Events, newest first"
          />
          {!liveOn && pages.hasNextPage && (
            <button type="button" onClick={loadMore} disabled={pages.isFetchingNextPage}>
              {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
        {state.event && <EventDetail id={state.event} onClose={() => update({ event: null })} />}
      </div>
    </section>
  );
}
