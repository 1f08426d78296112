import type { Provider } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

/** Chooses the cold tier once, from config: S3 when DEBUG_S3_BUCKET is set, else DEBUG_ARCHIVE_DIR. */
export const blobStoreProvider: Provider<BlobStore> = {
  provide: BLOB_STORE,
  inject: [AppConfig],
  useFactory: (config: AppConfig): BlobStore => {
    const s3 = config.s3;
    return s3 ? new S3BlobStore(s3) : new LocalBlobStore(config.archiveDir);
  },
};
