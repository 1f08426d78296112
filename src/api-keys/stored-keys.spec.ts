import { createHash } from 'node:crypto';
import {
  hashSecret,
  isLastUsableAdmin,
  KeyDirectory,
  newSecret,
  scopesOf,
  scopesText,
  shownPartOf,
  statusOf,
  type UsableKey,
} from './stored-keys.js';

const key = (id: string, secret: string, extra: Partial<UsableKey> = {}): UsableKey => ({
  id,
  hash: hashSecret(secret),
  scopes: new Set(['read']),
  expiresAt: null,
  ...extra,
});

describe('stored API keys', () => {
  it('makes secrets of 256 random bits that fit a Sentry DSN, and never the same twice', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => newSecret()));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) expect(secret).toMatch(/^adk_[0-9a-f]{64}$/);
  });

  it('keeps the SHA-256 of a secret and shows only its first 12 characters', () => {
    const secret = newSecret();
    expect(hashSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(hashSecret(secret)).not.toContain(secret.slice(4, 20));
    expect(shownPartOf(secret)).toBe(secret.slice(0, 12));
  });

  it('writes scopes sorted and unique, and reads back only known ones', () => {
    expect(scopesText(['read', 'ingest', 'read'])).toBe('ingest+read');
    expect(scopesOf('admin+bogus+read')).toEqual(['admin', 'read']);
  });

  it('says revoked before expired, and expired from the expiry time on', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    expect(statusOf({ expires_at: null, revoked_at: null }, now)).toBe('active');
    expect(statusOf({ expires_at: now, revoked_at: null }, now)).toBe('expired');
    expect(statusOf({ expires_at: new Date(now.getTime() + 1), revoked_at: null }, now)).toBe(
      'active',
    );
    expect(statusOf({ expires_at: now, revoked_at: now }, now)).toBe('revoked');
  });

  describe('the directory', () => {
    it('finds a key by the hash of its secret until it expires, to the millisecond', () => {
      const directory = new KeyDirectory();
      directory.replace([key('a', 'secret-a', { expiresAt: 1000 }), key('b', 'secret-b')], true);
      expect(directory.find(hashSecret('secret-a'), 999)?.id).toBe('a');
      expect(directory.find(hashSecret('secret-a'), 1000)).toBeUndefined();
      expect(directory.find(hashSecret('secret-b'), 10 ** 13)?.id).toBe('b');
      expect(directory.find(hashSecret('wrong'), 0)).toBeUndefined();
    });

    it('forgets a removed key at once, and keys missing from a reload', () => {
      const directory = new KeyDirectory();
      directory.replace([key('a', 'secret-a'), key('b', 'secret-b')], true);
      directory.remove('a');
      expect(directory.find(hashSecret('secret-a'))).toBeUndefined();
      expect(directory.find(hashSecret('secret-b'))?.id).toBe('b');
      directory.replace([key('c', 'secret-c')], true);
      expect(directory.find(hashSecret('secret-b'))).toBeUndefined();
      expect(directory.find(hashSecret('secret-c'))?.id).toBe('c');
    });

    it('holds keys once the table held one, even when every key is revoked', () => {
      const directory = new KeyDirectory();
      expect(directory.holdsKeys).toBe(false);
      directory.replace([], false);
      expect(directory.holdsKeys).toBe(false);
      directory.replace([], true);
      expect(directory.holdsKeys).toBe(true);
      directory.replace([key('a', 'secret-a')], false);
      expect(directory.holdsKeys).toBe(true);
    });
  });

  it('tells the last usable admin key: unrevoked rows with admin, not expired at now', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const past = new Date('2025-12-31T23:59:59Z');
    const row = (id: string, scopes: string, expires_at: Date | null = null) => ({
      id,
      scopes,
      expires_at,
    });
    expect(isLastUsableAdmin('a', [row('a', 'admin+read'), row('b', 'read')], now)).toBe(true);
    expect(isLastUsableAdmin('a', [row('a', 'admin'), row('b', 'admin')], now)).toBe(false);
    expect(isLastUsableAdmin('a', [row('a', 'admin'), row('b', 'admin', past)], now)).toBe(true);
    // Not an admin key itself, or no usable admin at all: nothing to protect.
    expect(isLastUsableAdmin('b', [row('a', 'admin'), row('b', 'read')], now)).toBe(false);
    expect(isLastUsableAdmin('a', [row('a', 'admin', now)], now)).toBe(false);
  });
});
