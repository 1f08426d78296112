import { useState } from 'react';

export const RELATIVE_RANGES = [
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3_600_000 },
];

export interface ResolvedRange {
  from: string;
  to: string;
  /** Whether `to` follows now (relative) or is fixed (absolute). */
  relative: boolean;
}

/**
 * A range in the URL: `range=1h` (relative to now) or `from`/`to` (absolute ISO). Relative
 * ranges are resolved to the minute so that repeated renders share one query key.
 */
export function resolveRange(range: string, from: string, to: string): ResolvedRange {
  if (from || to) {
    return {
      from: from || new Date(Date.now() - 3_600_000).toISOString(),
      to: to || new Date().toISOString(),
      relative: false,
    };
  }
  const span = RELATIVE_RANGES.find((candidate) => candidate.value === range) ?? RELATIVE_RANGES[1];
  const end = Math.ceil(Date.now() / 60_000) * 60_000;
  return {
    from: new Date(end - span.ms).toISOString(),
    to: new Date(end).toISOString(),
    relative: true,
  };
}

function toLocalInput(iso: string): string {
  return iso ? iso.slice(0, 16) : '';
}

/** Relative choices plus an absolute from/to (UTC). */
export function TimeRangePicker(props: {
  range: string;
  from: string;
  to: string;
  onChange: (patch: { range?: string | null; from?: string | null; to?: string | null }) => void;
}) {
  const [from, setFrom] = useState(toLocalInput(props.from));
  const [to, setTo] = useState(toLocalInput(props.to));
  const absolute = Boolean(props.from || props.to);
  return (
    <fieldset className="range">
      <legend>Time range (UTC)</legend>
      <label>
        Range
        <select
          value={absolute ? 'absolute' : props.range || '1h'}
          onChange={(event) =>
            event.target.value === 'absolute'
              ? props.onChange({
                  range: null,
                  from: new Date(Date.now() - 3_600_000).toISOString(),
                  to: new Date().toISOString(),
                })
              : props.onChange({ range: event.target.value, from: null, to: null })
          }
        >
          {RELATIVE_RANGES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
          <option value="absolute">Absolute…</option>
        </select>
      </label>
      {absolute && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            props.onChange({
              range: null,
              from: from ? `${from}:00.000Z` : null,
              to: to ? `${to}:00.000Z` : null,
            });
          }}
        >
          <label>
            From{' '}
            <input
              type="datetime-local"
              value={from}
              onChange={(event) => setFrom(event.target.value)}
            />
          </label>
          <label>
            To{' '}
            <input
              type="datetime-local"
              value={to}
              onChange={(event) => setTo(event.target.value)}
            />
          </label>
          <button type="submit">Apply</button>
        </form>
      )}
    </fieldset>
  );
}
