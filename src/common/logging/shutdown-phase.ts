import type { Logger } from '@nestjs/common';

/**
 * One step of a graceful shutdown, said at its start (what and how much) and at its end (what
 * it did and how long it took), so that an operator watching a slow stop sees where it is.
 * `run` answers the end's counts ("1200 events written, 0 left").
 */
export async function shutdownPhase(
  logger: Logger,
  what: string,
  run: () => Promise<string | void>,
): Promise<void> {
  const started = performance.now();
  logger.log(`shutdown: ${what}`);
  let outcome: string | void;
  try {
    outcome = await run();
  } catch (error) {
    logger.warn(
      `shutdown: ${what}: failed after ${elapsed(started)} ms: ${(error as Error).message}`,
    );
    return;
  }
  logger.log(`shutdown: ${what}: done in ${elapsed(started)} ms${outcome ? ` (${outcome})` : ''}`);
}

const elapsed = (started: number) => Math.round(performance.now() - started);
