import type { KeyDirectoryService } from '../../api-keys/key-directory.service.js';
import { hashSecret } from '../../api-keys/stored-keys.js';
import { AppConfig, type ApiScope } from '../../config/app-config.service.js';
import { validateEnvironment } from '../../config/environment.js';
import { ApiKeyService } from './api-key.service.js';

/** A directory holding `keys` (secret → scopes); `held`: the table ever held a key. */
function directory(keys: Record<string, ApiScope[]>, held = Object.keys(keys).length > 0) {
  const byHash = new Map(
    Object.entries(keys).map(([secret, scopes]) => [
      hashSecret(secret),
      { id: `id-${secret}`, scopes: new Set(scopes) },
    ]),
  );
  return {
    lookup: (hash: string) => byHash.get(hash),
    holdsKeys: held,
  } as unknown as KeyDirectoryService;
}

const service = (bootstrap: string, stored: KeyDirectoryService) =>
  new ApiKeyService(new AppConfig(validateEnvironment({ DEBUG_API_KEYS: bootstrap })), stored);

describe('ApiKeyService', () => {
  it('lets everything through while no key exists anywhere', () => {
    const keys = service('', directory({}));
    expect(keys.enabled).toBe(false);
    expect(keys.check(undefined, 'admin')).toEqual({ outcome: 'allowed', keyId: null });
  });

  it('is on once the table held a key, even with none usable now', () => {
    const keys = service('', directory({}, true));
    expect(keys.enabled).toBe(true);
    expect(keys.check(undefined, 'read').outcome).toBe('missing');
    expect(keys.check('anything-at-all', 'read').outcome).toBe('invalid');
  });

  it('accepts bootstrap and stored keys, each with its own scopes', () => {
    const keys = service(
      'bootstrap-reader:read',
      directory({ adk_ingest: ['ingest'], adk_admin: ['admin'] }),
    );
    expect(keys.check('bootstrap-reader', 'read').outcome).toBe('allowed');
    expect(keys.check('bootstrap-reader', 'ingest').outcome).toBe('forbidden');
    expect(keys.check('adk_ingest', 'ingest')).toEqual({
      outcome: 'allowed',
      keyId: 'id-adk_ingest',
    });
    expect(keys.check('adk_ingest', 'read')).toEqual({
      outcome: 'forbidden',
      keyId: 'id-adk_ingest',
    });
    expect(keys.check('adk_admin', 'ingest').outcome).toBe('allowed');
    expect(keys.check('adk_unknown', 'read').outcome).toBe('invalid');
  });
});
