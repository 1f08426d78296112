import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { BlobInfo, BlobStore } from './blob-store.js';

const SAFE_KEY = /^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/;

/**
 * Objects as files under one directory. A put writes a temporary file, fsyncs it and
 * renames it into place (atomic on one file system), then fsyncs the directory, so a
 * crash leaves the old file, the new one, or a stray temporary file that `list` ignores.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;

  constructor(private readonly root: string) {}

  get location(): string {
    return this.root;
  }

  async put(key: string, body: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(body);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
    const directory = await open(dirname(target), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer | null> {
    let file;
    try {
      file = await open(this.pathOf(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const found: BlobInfo[] = [];
    const walk = async (directory: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(directory, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) {
          await walk(path);
        } else if (entry.isFile() && !entry.name.includes('.tmp-')) {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix)) found.push({ key, size: (await stat(path)).size });
        }
      }
    };
    // Start from the deepest directory the prefix names, not the whole tree.
    const directoryPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(directoryPart ? this.pathOf(directoryPart) : this.root);
    return found.sort((a, b) => a.key.localeCompare(b.key));
  }

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '.' || part === '..')) {
      throw new Error(`invalid blob key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split('/'));
  }
}
