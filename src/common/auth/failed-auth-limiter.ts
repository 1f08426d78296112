import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';

const WINDOW_MS = 60_000;
/** Addresses remembered at most: a spray from many addresses costs bounded memory (oldest forgotten first). */
const MAX_ADDRESSES = 10_000;

/**
 * Failed authentications per client address (HTTP and stream handshakes), in fixed one-minute
 * windows. Past DEBUG_AUTH_FAILURES_PER_MINUTE an address is locked out until its window ends:
 * every request of it that presents a key, right or wrong, answers 429 (a right key answering
 * otherwise would tell a guesser it had found one). Per instance, in memory.
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();

  constructor(private readonly config: AppConfig) {}

  /** Seconds until `address` may try again; 0 when it is not locked out. */
  lockedForSeconds(address: string, now = Date.now()): number {
    const window = this.windows.get(address);
    if (!window || now - window.startedAt >= WINDOW_MS) return 0;
    if (window.failures < this.config.authFailuresPerMinute) return 0;
    return Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
  }

  noteFailure(address: string, now = Date.now()): void {
    let window = this.windows.get(address);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      this.windows.delete(address);
      if (this.windows.size >= MAX_ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
      window = { startedAt: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures++;
  }
}
