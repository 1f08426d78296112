import { createHash, randomBytes } from 'node:crypto';
import type { ApiScope } from '../config/app-config.service.js';

export const API_SCOPES: readonly ApiScope[] = ['ingest', 'read', 'admin'];

/** What a secret starts with, so that a leaked one is recognisable (secret scanners, logs). */
export const SECRET_PREFIX = 'adk_';
/** Characters of a secret shown in lists to tell keys apart: the prefix and 8 hex digits (32 of its 256 bits). */
const SHOWN_CHARACTERS = SECRET_PREFIX.length + 8;

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** A row of api_keys. */
export interface StoredKey {
  id: string;
  name: string;
  scopes: ApiScope[];
  key_prefix: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** A key as the directory holds it: enough to authenticate, no name. */
export interface UsableKey {
  id: string;
  hash: string;
  scopes: ReadonlySet<ApiScope>;
  expiresAt: number | null;
}

/** A new secret: 256 random bits in hex behind SECRET_PREFIX (letters, digits and `_` only, so it fits a Sentry DSN). */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('hex');
}

/**
 * SHA-256 of a secret, in hex. A fast hash is enough here: the secrets are 256 random bits,
 * not passwords, so there is nothing to guess from the hash.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function shownPartOf(secret: string): string {
  return secret.slice(0, SHOWN_CHARACTERS);
}

export function statusOf(key: Pick<StoredKey, 'expires_at' | 'revoked_at'>, now: Date): KeyStatus {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && key.expires_at.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** Scopes as the table stores them: sorted, joined by `+` (as DEBUG_API_KEYS writes them). */
export function scopesText(scopes: readonly ApiScope[]): string {
  return [...new Set(scopes)].sort().join('+');
}

export function scopesOf(text: string): ApiScope[] {
  return text
    .split('+')
    .filter((scope): scope is ApiScope => API_SCOPES.includes(scope as ApiScope));
}

/**
 * `id` is the only usable key with `admin` among `unrevoked` (at `now`): revoking it or taking
 * `admin` from it would leave nobody able to manage keys.
 */
export function isLastUsableAdmin(
  id: string,
  unrevoked: readonly { id: string; scopes: string; expires_at: Date | null }[],
  now: Date,
): boolean {
  const admins = unrevoked.filter(
    (key) =>
      scopesOf(key.scopes).includes('admin') &&
      (key.expires_at === null || key.expires_at.getTime() > now.getTime()),
  );
  return admins.length === 1 && admins[0].id === id;
}

/**
 * The usable (unrevoked) stored keys of this instance, by hash, replaced whole at each reload.
 * Expiry is checked at each lookup, so an expired key is refused at its expiry to the
 * millisecond; revocations arrive with the next reload.
 */
export class KeyDirectory {
  private byHash = new Map<string, UsableKey>();
  private tableHoldsKeys = false;

  /** `tableHoldsKeys`: the table has a row, revoked or not (keys are never deleted). */
  replace(keys: readonly UsableKey[], tableHoldsKeys: boolean): void {
    this.byHash = new Map(keys.map((key) => [key.hash, key]));
    this.tableHoldsKeys = tableHoldsKeys || keys.length > 0;
  }

  remove(id: string): void {
    for (const [hash, key] of this.byHash) if (key.id === id) this.byHash.delete(hash);
  }

  /** The key whose secret hashes to `hash`, unless there is none or it has expired. */
  find(hash: string, now = Date.now()): UsableKey | undefined {
    const key = this.byHash.get(hash);
    if (!key || (key.expiresAt !== null && key.expiresAt <= now)) return undefined;
    return key;
  }

  /** A key was ever stored: authentication stays on even when every stored key is revoked. */
  get holdsKeys(): boolean {
    return this.tableHoldsKeys;
  }
}
