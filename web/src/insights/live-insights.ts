import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { connectLive, useApiKey } from '../api/live';
import type { InsightChange } from '../api/client';

/** Follows `debug:insight` and refreshes every insight query when one arrives; answers the latest changes. */
export function useLiveInsights(sessionId?: string): { status: string; recent: InsightChange[] } {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState('connecting');
  const [recent, setRecent] = useState<InsightChange[]>([]);
  const apiKey = useApiKey();
  useEffect(() => {
    const live = connectLive(
      { channels: ['insight'], ...(sessionId ? { session_id: sessionId } : {}) },
      {
        onStatus: setStatus,
        onInsights: (insights) => {
          setRecent((current) => [...insights, ...current].slice(0, 20));
          void queryClient.invalidateQueries({ queryKey: ['insights'] });
        },
      },
    );
    return () => live.close();
  }, [queryClient, sessionId, apiKey]);
  return { status, recent };
}
