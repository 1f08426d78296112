/** What the warnings are written to: a Nest Logger, or anything with its `warn`. */
export interface WarningSink {
  warn(message: string): void;
}

/**
 * Warnings that recur while a dependency is down (a reconnection attempt every second or two on
 * each of a dozen connections): the first of each is written at once, the same one again at
 * most once per interval, saying how often it came meanwhile, so an outage stays readable in
 * the log and its end is not buried.
 */
export class RepeatedWarnings {
  private readonly byMessage = new Map<string, { writtenAt: number; since: number }>();

  constructor(
    private readonly sink: WarningSink,
    private readonly intervalMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(message: string): void {
    const at = this.now();
    const seen = this.byMessage.get(message);
    if (seen && at - seen.writtenAt < this.intervalMs) {
      seen.since++;
      return;
    }
    const repeats = seen?.since ?? 0;
    this.byMessage.set(message, { writtenAt: at, since: 0 });
    this.sink.warn(
      repeats > 0
        ? `${message} (${repeats} more times in the last ${Math.round((at - seen!.writtenAt) / 1000)} s)`
        : message,
    );
  }

  /** Forgets the recurring warnings of a dependency that is back (its next failure is news again). */
  clear(prefix: string): void {
    for (const message of this.byMessage.keys())
      if (message.startsWith(prefix)) this.byMessage.delete(message);
  }
}
