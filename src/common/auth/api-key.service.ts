import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { KeyDirectoryService } from '../../api-keys/key-directory.service.js';
import { AppConfig, type ApiScope } from '../../config/app-config.service.js';

export type KeyCheck =
  | { outcome: 'allowed'; keyId: string | null }
  | { outcome: 'missing' }
  | { outcome: 'invalid' }
  | { outcome: 'forbidden'; keyId: string };

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks API keys: the bootstrap keys of DEBUG_API_KEYS (compared in constant time) and the keys
 * managed at runtime (src/api-keys, looked up by hash). Shared by HTTP, Socket.IO and MCP.
 */
@Injectable()
export class ApiKeyService {
  private readonly keys: { digest: Buffer; scopes: ReadonlySet<ApiScope>; keyId: string }[];

  constructor(
    private readonly config: AppConfig,
    private readonly stored: KeyDirectoryService,
  ) {
    this.keys = config.apiKeys.map((key) => ({
      digest: digest(key.key),
      scopes: key.scopes,
      keyId: digest(key.key).toString('hex').slice(0, 8),
    }));
  }

  /** On with DEBUG_API_KEYS, or once a key was ever stored (revoking every stored key does not turn it off). */
  get enabled(): boolean {
    return this.config.authEnabled || this.stored.holdsKeys;
  }

  check(presented: string | undefined, scope: ApiScope): KeyCheck {
    if (!this.enabled) return { outcome: 'allowed', keyId: null };
    if (!presented) return { outcome: 'missing' };
    const presentedDigest = digest(presented);
    // Compare against every key so the time taken does not tell which one matched.
    let match: (typeof this.keys)[number] | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, presentedDigest)) match = match ?? key;
    }
    const found = match ?? this.storedKey(presentedDigest);
    if (!found) return { outcome: 'invalid' };
    if (!found.scopes.has(scope) && !found.scopes.has('admin'))
      return { outcome: 'forbidden', keyId: found.keyId };
    return { outcome: 'allowed', keyId: found.keyId };
  }

  private storedKey(digest: Buffer): { scopes: ReadonlySet<ApiScope>; keyId: string } | undefined {
    const key = this.stored.lookup(digest.toString('hex'));
    return key && { scopes: key.scopes, keyId: key.id };
  }

  /** The key from `X-API-Key` or `Authorization: Bearer`. */
  static keyFromHeaders(
    headers: Record<string, string | string[] | undefined>,
  ): string | undefined {
    const apiKey = headers['x-api-key'];
    if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
    const authorization = headers['authorization'];
    if (typeof authorization === 'string') {
      const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
      if (match) return match[1];
    }
    return undefined;
  }
}
