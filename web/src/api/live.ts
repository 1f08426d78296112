import { useSyncExternalStore } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  onApiKeyChange,
  storedApiKey,
  type DebugEvent,
  type DroppedNotice,
  type InsightChange,
  type SubscribeAck,
} from './client';

/** Subscription filters of the `/debug` namespace (docs/streaming.md). */
export interface LiveFilters {
  channels?: string[];
  component_types?: string[];
  component_ids?: string[];
  event_types?: string[];
  levels?: string[];
  correlation_ids?: string[];
  session_id?: string;
  pattern_id?: string;
}

export interface LiveHandlers {
  onEvents?: (events: DebugEvent[]) => void;
  onInsights?: (insights: InsightChange[]) => void;
  onDropped?: (notice: DroppedNotice) => void;
  onStatus?: (status: string) => void;
}

/** One Socket.IO connection with one subscription; `close()` ends both. */
export function connectLive(filters: LiveFilters, handlers: LiveHandlers): { close(): void } {
  const key = storedApiKey();
  const socket: Socket = io('/debug', {
    transports: ['websocket'],
    auth: key ? { apiKey: key } : {},
  });
  socket.on('connect', async () => {
    handlers.onStatus?.('connecting');
    const ack = (await socket.emitWithAck('subscribe', filters)) as SubscribeAck;
    handlers.onStatus?.(ack.ok ? 'live' : `refused: ${ack.error?.message ?? 'unknown error'}`);
  });
  socket.on('error', (error: { code?: string; message?: string }) =>
    handlers.onStatus?.(`refused: ${error.code ?? ''} ${error.message ?? ''}`.trim()),
  );
  socket.on('disconnect', (reason) => handlers.onStatus?.(`disconnected (${reason})`));
  socket.on('debug:event', (events: DebugEvent[]) => handlers.onEvents?.(events));
  socket.on('debug:insight', (insights: InsightChange[]) => handlers.onInsights?.(insights));
  socket.on('debug:dropped', (notice: DroppedNotice) => handlers.onDropped?.(notice));
  return { close: () => socket.close() };
}

/** The API key in use, as a hook: live connections reconnect when it changes. */
export function useApiKey(): string | null {
  return useSyncExternalStore(onApiKeyChange, storedApiKey);
}
