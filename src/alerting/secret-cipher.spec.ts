import { randomBytes } from 'node:crypto';
import { isSealed, parseSecretsKey, SecretCipher, SecretUnreadableError } from './secret-cipher.js';

const HEX_KEY = randomBytes(32).toString('hex');

describe('SecretCipher', () => {
  it('seals a value so that it opens to the same text, with a fresh IV each time', () => {
    const cipher = SecretCipher.withKey(HEX_KEY);
    const first = cipher.seal('hooks.slack.com/services/T0/B0/xyz');
    const second = cipher.seal('hooks.slack.com/services/T0/B0/xyz');
    expect(first).toMatch(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(first).not.toContain('xyz');
    expect(second).not.toBe(first);
    expect(cipher.open(first)).toBe('hooks.slack.com/services/T0/B0/xyz');
    expect(cipher.open(second)).toBe('hooks.slack.com/services/T0/B0/xyz');
    expect(cipher.open(cipher.seal(''))).toBe('');
  });

  it('accepts the key as base64 too, and the same bytes open what the hex form sealed', () => {
    const base64 = Buffer.from(HEX_KEY, 'hex').toString('base64');
    const sealed = SecretCipher.withKey(HEX_KEY).seal('s3cr3t');
    expect(SecretCipher.withKey(base64).open(sealed)).toBe('s3cr3t');
  });

  it('detects an altered ciphertext, tag or IV', () => {
    const cipher = SecretCipher.withKey(HEX_KEY);
    const [prefix, version, iv, tag, ciphertext] = cipher.seal('s3cr3t').split(':');
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] ^= 1;
      return bytes.toString('base64url');
    };
    for (const altered of [
      [prefix, version, iv, tag, flip(ciphertext)],
      [prefix, version, iv, flip(tag), ciphertext],
      [prefix, version, flip(iv), tag, ciphertext],
      [prefix, version, iv, tag.slice(0, 8), ciphertext],
    ])
      expect(() => cipher.open(altered.join(':'))).toThrow(SecretUnreadableError);
    expect(() => cipher.open('enc:v1:garbage')).toThrow(/well-formed/);
  });

  it('refuses to open with another key or with none, saying so', () => {
    const sealed = SecretCipher.withKey(HEX_KEY).seal('s3cr3t');
    expect(() => SecretCipher.withKey(randomBytes(32).toString('hex')).open(sealed)).toThrow(
      /DEBUG_SECRETS_KEY does not decrypt it/,
    );
    expect(() => SecretCipher.withKey(undefined).open(sealed)).toThrow(
      /DEBUG_SECRETS_KEY is not set/,
    );
  });

  it('passes plaintext through on open, and seals nothing without a key', () => {
    const withKey = SecretCipher.withKey(HEX_KEY);
    const withoutKey = SecretCipher.withKey(undefined);
    expect(withKey.open('https://hooks.example.com/x')).toBe('https://hooks.example.com/x');
    expect(withoutKey.seal('s3cr3t')).toBe('s3cr3t');
    expect(withoutKey.enabled).toBe(false);
    expect(isSealed(withKey.seal('s3cr3t'))).toBe(true);
  });

  it('rejects keys that are not 32 bytes with a message naming the variable', () => {
    for (const bad of [
      'abc',
      'zz'.repeat(32),
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
    ])
      expect(() => parseSecretsKey(bad)).toThrow(/DEBUG_SECRETS_KEY must be 32 bytes/);
    expect(parseSecretsKey(randomBytes(32).toString('base64url'))).toHaveLength(32);
  });
});
