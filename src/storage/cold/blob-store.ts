export const BLOB_STORE = Symbol('BLOB_STORE');

export interface BlobInfo {
  key: string;
  size: number;
}

/**
 * The cold tier's port: whole objects by key. A local directory in embedded mode (and
 * by default), an S3-compatible bucket when DEBUG_S3_BUCKET is set. `put` is atomic: a
 * reader sees the old object, the new one or none, never a part.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';

  /** Where the objects live, for logs and stats (a directory or s3://bucket/prefix). */
  readonly location: string;

  put(key: string, body: Buffer): Promise<void>;

  /** The object, or null when there is none. */
  get(key: string): Promise<Buffer | null>;

  /** `length` bytes of the object from byte `offset` (one gzip member), or null when there is no object. */
  getRange(key: string, offset: number, length: number): Promise<Buffer | null>;

  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;

  /** Every object whose key starts with `prefix`. */
  list(prefix: string): Promise<BlobInfo[]>;
}
