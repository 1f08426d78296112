import { ConfigValidationError, ProcessRole, validateEnvironment } from './environment.js';
import { AppConfig, parseApiKeys } from './app-config.service.js';

describe('validateEnvironment', () => {
  it('applies the documented defaults', () => {
    const env = validateEnvironment({});
    expect(env.PORT).toBe(3000);
    expect(env.DEBUG_EVENT_RETENTION_HOURS).toBe(168);
    expect(env.DEBUG_INSIGHT_RETENTION_HOURS).toBe(720);
    expect(env.DEBUG_BATCH_SIZE_MS).toBe(100);
    expect(env.DEBUG_BATCH_SIZE).toBe(1000);
    expect(env.DEBUG_CACHE_TTL_SECONDS).toBe(300);
    expect(env.DEBUG_HOT_TTL_SECONDS).toBe(3600);
    expect(env.DEBUG_ROLE).toBe(ProcessRole.All);
    expect(env.DEBUG_SYSTEM_ENABLED).toBe(true);
  });

  it('converts numbers and booleans from their text', () => {
    const env = validateEnvironment({
      PORT: '8080',
      DEBUG_STREAMING_ENABLED: 'false',
      DEBUG_ROLE: 'worker',
    });
    expect(env.PORT).toBe(8080);
    expect(env.DEBUG_STREAMING_ENABLED).toBe(false);
    expect(env.DEBUG_ROLE).toBe(ProcessRole.Worker);
  });

  it.each([
    ['PORT', 'eighty', 'PORT'],
    ['PORT', '70000', 'PORT'],
    ['DEBUG_ROLE', 'both', 'DEBUG_ROLE'],
    ['DEBUG_BATCH_SIZE', '0', 'DEBUG_BATCH_SIZE'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL'],
    ['DEBUG_API_KEYS', 'short:read', 'DEBUG_API_KEYS'],
    ['DEBUG_API_KEYS', 'longenoughkey:write', 'DEBUG_API_KEYS'],
    ['DEBUG_SYSTEM_ENABLED', 'maybe', 'DEBUG_SYSTEM_ENABLED'],
    ['DEBUG_PROTECT_DOCS', 'write', 'DEBUG_PROTECT_DOCS'],
    ['DEBUG_PROTECT_METRICS', 'yes please', 'DEBUG_PROTECT_METRICS'],
    ['DEBUG_API_KEY_REFRESH_SECONDS', '0', 'DEBUG_API_KEY_REFRESH_SECONDS'],
  ])('rejects %s=%s and names the variable', (name, value, named) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(ConfigValidationError);
    try {
      validateEnvironment({ [name]: value });
    } catch (error) {
      expect((error as ConfigValidationError).problems.join('\n')).toContain(named);
    }
  });

  it('names every bad variable at once', () => {
    try {
      validateEnvironment({ PORT: 'x', DEBUG_ROLE: 'y' });
      throw new Error('expected a validation error');
    } catch (error) {
      const problems = (error as ConfigValidationError).problems;
      expect(problems).toHaveLength(2);
    }
  });
});

describe('AppConfig', () => {
  it('parses API keys with their scopes', () => {
    const keys = parseApiKeys('ingestkey1:ingest, readerkey:read+ingest,adminkey1:admin');
    expect(keys.map((key) => [key.key, [...key.scopes]])).toEqual([
      ['ingestkey1', ['ingest']],
      ['readerkey', ['read', 'ingest']],
      ['adminkey1', ['admin']],
    ]);
  });

  it('leaves docs and metrics public by default, and reads on, off or a scope', () => {
    const scopes = (env: Record<string, string>) => {
      const config = new AppConfig(validateEnvironment(env));
      return [config.docsScope, config.metricsScope];
    };
    expect(scopes({})).toEqual([null, null]);
    expect(scopes({ DEBUG_PROTECT_DOCS: 'on', DEBUG_PROTECT_METRICS: '1' })).toEqual([
      'read',
      'read',
    ]);
    expect(scopes({ DEBUG_PROTECT_DOCS: 'Admin', DEBUG_PROTECT_METRICS: 'off' })).toEqual([
      'admin',
      null,
    ]);
  });

  it('binds to loopback without keys and to all interfaces with keys', () => {
    expect(new AppConfig(validateEnvironment({})).host).toBe('127.0.0.1');
    expect(new AppConfig(validateEnvironment({ DEBUG_API_KEYS: 'secretkey1:read' })).host).toBe(
      '0.0.0.0',
    );
  });

  it('picks the dialect and the queue from the URLs', () => {
    const embedded = new AppConfig(validateEnvironment({}));
    expect(embedded.dialect).toBe('sqlite');
    expect(embedded.redisUrl).toBeUndefined();
    const full = new AppConfig(
      validateEnvironment({ DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h:6379' }),
    );
    expect(full.dialect).toBe('postgres');
    expect(full.redisUrl).toBe('redis://h:6379');
    const redisOff = new AppConfig(
      validateEnvironment({ REDIS_URL: 'redis://h:6379', DEBUG_REDIS_ENABLED: 'false' }),
    );
    expect(redisOff.redisUrl).toBeUndefined();
  });
});
