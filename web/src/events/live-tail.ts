import { useEffect, useRef, useState } from 'react';
import type { DebugEvent, EventFilters } from '../api/client';
import { connectLive, useApiKey, type LiveFilters } from '../api/live';

const MAX_ROWS = 2000;

export interface LiveTail {
  status: string;
  events: DebugEvent[];
  paused: boolean;
  buffered: number;
  drops: string[];
  pause(): void;
  resume(): void;
  clear(): void;
}

/** The explorer's filters as a stream subscription (text is matched here: the stream has no text filter). */
function subscriptionOf(filters: EventFilters): LiveFilters {
  const list = (value?: string) => (value ? [value] : undefined);
  return {
    channels: ['event'],
    component_types: list(filters.component_type),
    component_ids: list(filters.component_id),
    event_types: list(filters.event_type),
    levels: list(filters.level),
    correlation_ids: list(filters.correlation_id),
    session_id: filters.session_id || undefined,
    pattern_id: filters.pattern_id || undefined,
  };
}

/** Live events over Socket.IO with the explorer's filters; pausing buffers, resuming shows the buffer. */
export function useLiveTail(enabled: boolean, filters: EventFilters): LiveTail {
  const [status, setStatus] = useState('off');
  const [events, setEvents] = useState<DebugEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [drops, setDrops] = useState<string[]>([]);
  const buffer = useRef<DebugEvent[]>([]);
  const [buffered, setBuffered] = useState(0);
  const pausedRef = useRef(false);
  const key = JSON.stringify(filters);
  const apiKey = useApiKey();
  useEffect(() => {
    if (!enabled) {
      setStatus('off');
      return;
    }
    const text = filters.text?.toLowerCase();
    setEvents([]);
    const live = connectLive(subscriptionOf(filters), {
      onStatus: setStatus,
      onEvents: (incoming) => {
        const matching = text
          ? incoming.filter((event) => event.message.toLowerCase().includes(text))
          : incoming;
        if (matching.length === 0) return;
        const newestFirst = [...matching].reverse();
        if (pausedRef.current) {
          buffer.current = [...newestFirst, ...buffer.current].slice(0, MAX_ROWS);
          setBuffered(buffer.current.length);
        } else {
          setEvents((current) => [...newestFirst, ...current].slice(0, MAX_ROWS));
        }
      },
      onDropped: (notice) =>
        setDrops((current) =>
          [
            `${new Date().toISOString().slice(11, 19)}: the server dropped ${notice.count} messages since ${notice.since} (this tab read too slowly)`,
            ...current,
          ].slice(0, 5),
        ),
    });
    return () => live.close();
  }, [enabled, key, apiKey]);
  return {
    status,
    events,
    paused,
    buffered,
    drops,
    pause: () => {
      pausedRef.current = true;
      setPaused(true);
    },
    resume: () => {
      pausedRef.current = false;
      setPaused(false);
      const waiting = buffer.current;
      buffer.current = [];
      setEvents((current) => [...waiting, ...current].slice(0, MAX_ROWS));
      setBuffered(0);
    },
    clear: () => setEvents([]),
  };
}
