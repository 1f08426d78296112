/** Makes a group of items durable; resolves once they are (job stored, or rows committed). */
export type CommitGroup<T> = (items: T[]) => Promise<void>;

interface Waiter<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Flush as soon as this many items wait (DEBUG_BATCH_SIZE). */
  maxItems: number;
  /** Never hold an item longer than this while an earlier commit is still running (DEBUG_BATCH_SIZE_MS). */
  maxWaitMs: number;
  /** Commits running at once; a flush past it waits for one to finish (or for maxWaitMs). */
  maxInFlight: number;
}

/**
 * Group commit shared by all concurrent requests. An item that arrives when nothing is
 * being committed goes out at once (a lone event does not wait for a timer); items that
 * arrive during a commit wait for it and go out together when it completes, or as soon
 * as maxItems of them wait, or after maxWaitMs at the latest. Each submitter's promise
 * settles with the commit that carried its items.
 */
export class GroupCommitBatcher<T> {
  private waiting: Waiter<T>[] = [];
  private waitingCount = 0;
  private inFlight = 0;
  private committingCount = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly commit: CommitGroup<T>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Items accepted but not yet durable (waiting or being committed). */
  get pending(): number {
    return this.waitingCount + this.committingCount;
  }

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.waitingCount += items.length;
      this.schedule();
    });
  }

  private schedule(): void {
    while (this.waitingCount > 0) {
      const idle = this.inFlight === 0;
      const full =
        this.waitingCount >= this.options.maxItems && this.inFlight < this.options.maxInFlight;
      if (!idle && !full) break;
      this.flush();
    }
    if (this.waitingCount > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.waitingCount > 0) this.flush();
      }, this.options.maxWaitMs);
    }
  }

  private flush(): void {
    const group: Waiter<T>[] = [];
    let count = 0;
    while (
      this.waiting.length > 0 &&
      (count === 0 || count + this.waiting[0].items.length <= this.options.maxItems)
    ) {
      const waiter = this.waiting.shift()!;
      group.push(waiter);
      count += waiter.items.length;
    }
    this.waitingCount -= count;
    if (this.waitingCount === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const items =
      group.length === 1 ? [...group[0].items] : group.flatMap((waiter) => waiter.items);
    this.inFlight++;
    this.committingCount += count;
    const settle = (error: unknown, failed: boolean) => {
      this.inFlight--;
      this.committingCount -= count;
      this.schedule(); // the next group starts before this one's callers resume
      for (const waiter of group) {
        if (failed) waiter.reject(error);
        else waiter.resolve();
      }
    };
    this.commit(items).then(
      () => settle(undefined, false),
      (error: unknown) => settle(error, true),
    );
  }
}
