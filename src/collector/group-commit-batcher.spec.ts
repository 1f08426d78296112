import { GroupCommitBatcher } from './group-commit-batcher.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('GroupCommitBatcher', () => {
  it('commits a lone item at once, and what arrives meanwhile together when that commit ends', async () => {
    const commits: { items: number[]; done: ReturnType<typeof deferred> }[] = [];
    const batcher = new GroupCommitBatcher<number>(
      (items) => {
        const done = deferred();
        commits.push({ items, done });
        return done.promise;
      },
      { maxItems: 100, maxWaitMs: 10_000, maxInFlight: 4 },
    );
    const first = batcher.submit([1]);
    expect(commits.map((commit) => commit.items)).toEqual([[1]]);
    const second = batcher.submit([2, 3]);
    const third = batcher.submit([4]);
    expect(commits).toHaveLength(1);
    expect(batcher.pending).toBe(4);
    commits[0].done.resolve();
    await first;
    expect(commits.map((commit) => commit.items)).toEqual([[1], [2, 3, 4]]);
    commits[1].done.resolve();
    await Promise.all([second, third]);
    expect(batcher.pending).toBe(0);
  });

  it('flushes as soon as maxItems wait, even during a commit', () => {
    const commits: number[][] = [];
    const batcher = new GroupCommitBatcher<number>(
      (items) => {
        commits.push(items);
        return new Promise(() => undefined);
      },
      { maxItems: 3, maxWaitMs: 10_000, maxInFlight: 4 },
    );
    void batcher.submit([1]);
    void batcher.submit([2, 3]);
    expect(commits).toHaveLength(1);
    void batcher.submit([4]);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every submitter of a failed commit, and later ones still go through', async () => {
    let fail = true;
    const batcher = new GroupCommitBatcher<number>(
      async () => {
        if (fail) throw new Error('redis down');
      },
      { maxItems: 10, maxWaitMs: 5, maxInFlight: 2 },
    );
    await expect(batcher.submit([1])).rejects.toThrow('redis down');
    fail = false;
    await expect(batcher.submit([2])).resolves.toBeUndefined();
  });

  it('does not hold items past maxWaitMs while a slow commit runs', async () => {
    const commits: number[][] = [];
    const batcher = new GroupCommitBatcher<number>(
      (items) => {
        commits.push(items);
        return items[0] === 1 ? new Promise(() => undefined) : Promise.resolve();
      },
      { maxItems: 100, maxWaitMs: 5, maxInFlight: 4 },
    );
    void batcher.submit([1]);
    await batcher.submit([2]);
    expect(commits).toEqual([[1], [2]]);
  });
});
