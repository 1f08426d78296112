import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig, type ApiScope } from '../../config/app-config.service.js';

export type KeyCheck =
  | { outcome: 'allowed'; keyId: string | null }
  | { outcome: 'missing' }
  | { outcome: 'invalid' }
  | { outcome: 'forbidden'; keyId: string };

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Checks API keys in constant time. Shared by HTTP, Socket.IO and MCP. */
@Injectable()
export class ApiKeyService {
  private readonly keys: { digest: Buffer; scopes: ReadonlySet<ApiScope>; keyId: string }[];

  constructor(private readonly config: AppConfig) {
    this.keys = config.apiKeys.map((key) => ({
      digest: digest(key.key),
      scopes: key.scopes,
      keyId: digest(key.key).toString('hex').slice(0, 8),
    }));
  }

  get enabled(): boolean {
    return this.config.authEnabled;
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
    if (!match) return { outcome: 'invalid' };
    if (!match.scopes.has(scope) && !match.scopes.has('admin'))
      return { outcome: 'forbidden', keyId: match.keyId };
    return { outcome: 'allowed', keyId: match.keyId };
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
