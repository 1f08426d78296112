import { v7 as uuidv7, validate, version } from 'uuid';
// The SDK's generator, shared by source (the server does not depend on the built package).
import { newEventId } from '../../packages/sdk/src/event-ids.js';

/**
 * A new time-ordered id (UUIDv7): its leading 48 bits are the creation time in ms. Ids of now
 * come from the SDK's generator (monotonic, random bytes drawn from a pool: one system call per
 * 256 ids, where uuid's own drew 16 bytes per id — two per ingested single event).
 */
export function newId(at?: Date): string {
  return at ? uuidv7({ msecs: at.getTime() }) : newEventId();
}

export function isUuid(value: string): boolean {
  return validate(value);
}

/** The time a UUIDv7 was made at, or null for any other id. */
export function timeOfUuidV7(id: string): Date | null {
  if (!validate(id) || version(id) !== 7) return null;
  const millis = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return new Date(millis);
}
