import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Marks a sealed value; the version lets a later format (another cipher, a key id) sit beside this one. */
const SEALED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const KEY_BYTES = 32;

/** A stored value this process cannot open: encrypted with another key, altered, or no key set. */
export class SecretUnreadableError extends Error {}

/** DEBUG_SECRETS_KEY as bytes: 64 hex characters or base64 (or base64url) of 32 bytes. */
export function parseSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : Buffer.alloc(0);
  if (key.length !== KEY_BYTES)
    throw new Error(
      'DEBUG_SECRETS_KEY must be 32 bytes: 64 hex characters or 44 base64 characters (openssl rand -base64 32)',
    );
  return key;
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/**
 * AES-256-GCM of single values, stored as `enc:v1:<iv>:<tag>:<ciphertext>` (base64url), a fresh
 * random IV per value. Without a key it seals nothing; opening passes plaintext through, so rows
 * written before a key was set stay readable.
 */
export class SecretCipher {
  private constructor(private readonly key: Buffer | null) {}

  static withKey(text: string | undefined): SecretCipher {
    return new SecretCipher(text ? parseSecretsKey(text) : null);
  }

  get enabled(): boolean {
    return this.key !== null;
  }

  seal(plain: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')).join(':')}`;
  }

  open(stored: string): string {
    if (!isSealed(stored)) return stored;
    if (!this.key)
      throw new SecretUnreadableError('stored encrypted, and DEBUG_SECRETS_KEY is not set');
    const parts = stored.slice(SEALED_PREFIX.length).split(':');
    if (parts.length !== 3) throw new SecretUnreadableError('not a well-formed enc:v1 value');
    const [iv, tag, ciphertext] = parts.map((part) => Buffer.from(part, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, {
        authTagLength: 16,
      });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(
        'DEBUG_SECRETS_KEY does not decrypt it (a different key, or the value was altered)',
      );
    }
  }
}
