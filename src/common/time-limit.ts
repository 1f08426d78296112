/**
 * `work`, or `onTimeout()`'s error once `ms` have passed, whichever comes first. The work goes on
 * regardless (a promise cannot be cancelled); its later failure is swallowed, having nobody to tell.
 */
export async function withinTime<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
