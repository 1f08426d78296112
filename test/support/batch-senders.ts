import { wireBatch } from '../factories/events.js';

/**
 * POSTs one batch of events to the api; the status, or 0 when the request failed (the process
 * was killed under it): not acknowledged.
 */
export async function postBatch(url: string, events: Record<string, unknown>[]): Promise<number> {
  try {
    const response = await fetch(`${url}/api/debug/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export interface BatchSenders {
  /** Ids of every event in a batch the api answered 202. */
  acknowledged: string[];
  /** Tells the senders to stop and waits for their last request. */
  stop(): Promise<void>;
}

/**
 * Two senders posting batches of 50 events to the api at `url()` (asked before each batch, so
 * a restarted api is followed) until stopped; a batch not acknowledged is retried after 50 ms
 * as a new batch. Stop them in `finally`: a failed expectation must end the test, not leave
 * them posting for ever.
 */
export function startSenders(url: () => string): BatchSenders {
  const acknowledged: string[] = [];
  let sending = true;
  const senders = [1, 2].map(async () => {
    while (sending) {
      const batch = wireBatch(50);
      if ((await postBatch(url(), batch)) === 202)
        acknowledged.push(...batch.map((event) => event.id as string));
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  return {
    acknowledged,
    async stop() {
      sending = false;
      await Promise.all(senders);
    },
  };
}
