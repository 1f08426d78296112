import { AppConfig } from '../../config/app-config.service.js';
import { ConfigValidationError, validateEnvironment } from '../../config/environment.js';
import type { BlobStore } from './blob-store.js';
import { blobStoreProvider } from './blob-store.provider.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

function storeFor(env: Record<string, string>): BlobStore {
  const config = new AppConfig(validateEnvironment(env));
  return (blobStoreProvider as { useFactory(config: AppConfig): BlobStore }).useFactory(config);
}

describe('cold tier choice', () => {
  it('is the local directory without DEBUG_S3_BUCKET', () => {
    const store = storeFor({ DEBUG_ARCHIVE_DIR: '/var/tmp/ads-archive' });
    expect(store).toBeInstanceOf(LocalBlobStore);
    expect(store.location).toBe('/var/tmp/ads-archive');
  });

  it('is the bucket with DEBUG_S3_BUCKET, prefix and endpoint applied', () => {
    const store = storeFor({
      DEBUG_S3_BUCKET: 'debug-archive',
      DEBUG_S3_PREFIX: 'prod/ai-debug/',
      DEBUG_S3_ENDPOINT: 'http://127.0.0.1:9000',
      DEBUG_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(store).toBeInstanceOf(S3BlobStore);
    expect(store.location).toBe('s3://debug-archive/prod/ai-debug');
  });

  it.each([
    ['DEBUG_S3_BUCKET', 'Not_A_Bucket!'],
    ['DEBUG_S3_ENDPOINT', 'minio:9000'],
    ['DEBUG_S3_REGION', 'EU WEST'],
    ['DEBUG_ARCHIVE_SEGMENT_ROWS', '10'],
    ['DEBUG_TIERING_INTERVAL_MINUTES', '0'],
  ])('refuses %s=%s at start-up, naming it', (name, value) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(ConfigValidationError);
    expect(() => validateEnvironment({ [name]: value })).toThrow(name);
  });
});
