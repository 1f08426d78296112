import { v7 as uuidv7, validate, version } from 'uuid';

/** A new time-ordered id (UUIDv7): its leading 48 bits are the creation time in ms. */
export function newId(at?: Date): string {
  return at ? uuidv7({ msecs: at.getTime() }) : uuidv7();
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
