import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { newId } from '../common/ids.js';
import { parseQueryDateTime } from '../common/validation/is-date-time.validator.js';
import { AppConfig, type ApiScope } from '../config/app-config.service.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { KeyDirectoryService } from './key-directory.service.js';
import {
  hashSecret,
  newSecret,
  shownPartOf,
  statusOf,
  type KeyStatus,
  type StoredKey,
} from './stored-keys.js';

export interface KeyInput {
  name: string;
  scopes: ApiScope[];
  /** ISO-8601; null or absent: never expires. */
  expires_at?: string | null;
}

export interface KeyChanges {
  name?: string;
  scopes?: ApiScope[];
  expires_at?: string | null;
}

/** A key as the API shows it: never its secret nor its hash. */
export interface KeyView {
  id: string;
  name: string;
  scopes: ApiScope[];
  /** The first characters of the secret, to recognise it. */
  prefix: string;
  status: KeyStatus;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface KeyPage {
  items: KeyView[];
  next_cursor: string | null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/**
 * API keys managed at runtime: created (the secret is shown once, only its hash is kept),
 * listed, changed and revoked. Shared by the admin REST routes and the MCP tools.
 * Two rules keep an operator from locking themself out: while no key exists at all
 * (authentication off), the first key must carry `admin`; and without an admin key in
 * DEBUG_API_KEYS, the last usable admin key cannot be revoked or lose `admin` — checked in the
 * table, in one serialized step with the write (ApiKeyRepository.writeUnlessLastAdmin), so that
 * concurrent requests on any instances cannot take the last two away together.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly directory: KeyDirectoryService,
    private readonly config: AppConfig,
  ) {}

  async create(input: KeyInput): Promise<KeyView & { secret: string }> {
    const now = new Date();
    const expiresAt = futureTime(input.expires_at, now);
    const authOff = this.config.apiKeys.length === 0 && !(await this.keys.anyKey());
    if (authOff && !input.scopes.includes('admin')) {
      throw invalid(
        'scopes',
        'of the first key must include "admin": creating it turns authentication on, and without an admin key nobody could manage keys any more',
      );
    }
    const secret = newSecret();
    const id = newId(now);
    await this.keys.insert({
      id,
      name: input.name,
      hash: hashSecret(secret),
      prefix: shownPartOf(secret),
      scopes: input.scopes,
      created_at: now,
      expires_at: expiresAt,
    });
    await this.directory.changed();
    return { ...(await this.get(id)), secret };
  }

  async list(limit: number, cursor?: string): Promise<KeyPage> {
    const rows = await this.keys.page(cursor, limit);
    const now = new Date();
    return {
      items: rows.map((row) => view(row, now)),
      next_cursor: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }

  async get(id: string): Promise<KeyView> {
    return view(await this.stored(id), new Date());
  }

  async update(id: string, changes: KeyChanges): Promise<KeyView> {
    const key = await this.stored(id);
    const now = new Date();
    if (key.revoked_at) throw new DomainError('CONFLICT', `key ${id} is revoked`, { id });
    const expiresAt =
      changes.expires_at === undefined ? undefined : futureTime(changes.expires_at, now);
    const row = { name: changes.name, scopes: changes.scopes, expires_at: expiresAt };
    const losesAdmin = changes.scopes !== undefined && !changes.scopes.includes('admin');
    if (losesAdmin && this.mustKeepAnAdmin) {
      if (!(await this.keys.updateUnlessLastAdmin(id, row, now)))
        throw lastAdminConflict(id, 'lose "admin"');
    } else {
      await this.keys.update(id, row);
    }
    await this.directory.changed();
    return this.get(id);
  }

  /** Idempotent: revoking a revoked key answers it as it is. */
  async revoke(id: string): Promise<KeyView> {
    const key = await this.stored(id);
    if (!key.revoked_at) {
      const now = new Date();
      if (!this.mustKeepAnAdmin) await this.keys.revoke(id, now);
      else if (!(await this.keys.revokeUnlessLastAdmin(id, now)))
        throw lastAdminConflict(id, 'be revoked');
      await this.directory.changed(id);
    }
    return this.get(id);
  }

  /** Without an admin key in DEBUG_API_KEYS, the stored admin keys are the only way in. */
  private get mustKeepAnAdmin(): boolean {
    return !this.config.apiKeys.some((key) => key.scopes.has('admin'));
  }

  private async stored(id: string): Promise<StoredKey> {
    const key = await this.keys.find(id);
    if (!key) throw new NotFoundError('API key', id);
    return key;
  }
}

function lastAdminConflict(id: string, change: string): DomainError {
  return new DomainError(
    'CONFLICT',
    `key ${id} is the last usable admin key and DEBUG_API_KEYS has none: it cannot ${change} (create another admin key first)`,
    { id },
  );
}

function view(key: StoredKey, now: Date): KeyView {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    prefix: key.key_prefix,
    status: statusOf(key, now),
    created_at: key.created_at.toISOString(),
    expires_at: iso(key.expires_at),
    revoked_at: iso(key.revoked_at),
    last_used_at: iso(key.last_used_at),
  };
}

function futureTime(value: string | null | undefined, now: Date): Date | null {
  if (value === undefined || value === null) return null;
  const time = parseQueryDateTime(value);
  if (!time) throw invalid('expires_at', 'must be an ISO-8601 date-time');
  if (time.getTime() <= now.getTime()) throw invalid('expires_at', 'must lie in the future');
  return time;
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${field} ${message}`, { field });
}
