import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { DebugEvent } from '../api/client';
import { formatTime } from '../common/bits';

const ROW_HEIGHT = 30;

/** A virtualised list: only the visible rows are in the DOM, so 10k rows scroll without jank. */
export function EventList(props: {
  events: DebugEvent[];
  selected: string;
  onSelect: (id: string) => void;
  onEnd?: () => void;
  label: string;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: props.events.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  const { onEnd } = props;
  useEffect(() => {
    if (onEnd && last && last.index >= props.events.length - 10) onEnd();
  }, [last, props.events.length, onEnd]);
  return (
    <div
      ref={parent}
      className="event-list"
      role="list"
      aria-label={props.label}
      data-testid="event-list"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          const event = props.events[item.index];
          return (
            <div
              key={event.id}
              role="listitem"
              className="event-row-wrap"
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: ROW_HEIGHT,
                transform: `translateY(${item.start}px)`,
              }}
            >
              <button
                type="button"
                className={`event-row level-${event.level}${props.selected === event.id ? ' selected' : ''}`}
                onClick={() => props.onSelect(event.id)}
                data-testid="event-row"
                aria-pressed={props.selected === event.id}
              >
                <time dateTime={event.timestamp}>{formatTime(event.timestamp)}</time>
                <span className={`lvl lvl-${event.level}`}>{event.level}</span>
                <span className="comp">
                  {event.component_type}/{event.component_id}
                </span>
                <span className="msg">{event.message}</span>
                {event.tier && <span className={`tier tier-${event.tier}`}>{event.tier}</span>}
              </button>
            </div>
          );
        })}
      </div>
    </div>
  );
}
