import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { DomainError } from '../common/errors/domain-error.js';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** DEBUG_BODY_LIMIT (`512kb`, `10mb`, validated at start-up) in bytes, as body-parser reads it. */
export function bytesOf(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(limit.trim());
  if (!match) throw new Error(`not a size: ${limit}`);
  return Number(match[1]) * UNITS[match[2].toLowerCase()];
}

/** An over-limit body is read to its end (so that the client gets its 413), but only this many times the limit. */
const DRAIN_FACTOR = 8;

const DECODERS = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
} as const;

/**
 * The raw body of a request, decompressed per `Content-Encoding` (gzip, deflate, br, as the
 * SDKs send). Both the bytes on the wire and the decompressed bytes are held to the limit
 * (413 past it, like the REST path's DEBUG_BODY_LIMIT); an unknown encoding is a 415.
 */
export async function readBody(
  request: IncomingMessage,
  limitBytes: number,
  limitName: string,
): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && !(encoding in DECODERS)) {
    request.resume();
    throw new DomainError(
      'VALIDATION_FAILED',
      `Content-Encoding "${encoding}" is not supported: send gzip, deflate, br or none`,
      {
        encoding,
      },
    );
  }
  const raw = await readRaw(request, limitBytes, limitName);
  if (encoding === 'identity') return raw;
  try {
    return await DECODERS[encoding as keyof typeof DECODERS](raw, { maxOutputLength: limitBytes });
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
      error instanceof RangeError
    ) {
      throw tooLarge(`the decompressed body is over the limit of ${limitName}`, limitBytes);
    }
    throw new DomainError(
      'VALIDATION_FAILED',
      `the body is not valid ${encoding} data (Content-Encoding: ${encoding})`,
    );
  }
}

function readRaw(request: IncomingMessage, limitBytes: number, limitName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let cutOff = false;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes) {
        chunks.push(chunk);
      } else if (received > limitBytes * DRAIN_FACTOR) {
        cutOff = true;
        request.destroy();
      } else {
        chunks.length = 0;
      }
    });
    request.on('end', () => {
      if (received > limitBytes)
        reject(
          tooLarge(
            `the request body of ${received} bytes is over the limit of ${limitName}`,
            limitBytes,
            received,
          ),
        );
      else resolve(Buffer.concat(chunks, received));
    });
    request.on('error', reject);
    request.on('close', () => {
      if (cutOff)
        reject(
          tooLarge(
            `the request body is over ${DRAIN_FACTOR} × the limit of ${limitName}`,
            limitBytes,
          ),
        );
      else if (!request.complete)
        reject(new DomainError('VALIDATION_FAILED', 'the request body was cut off before its end'));
    });
  });
}

function tooLarge(message: string, limit: number, length?: number): DomainError {
  return new DomainError(
    'PAYLOAD_TOO_LARGE',
    message,
    length === undefined ? { limit } : { limit, length },
  );
}
