import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DomainError } from '../common/errors/domain-error.js';

const gunzipAsync = promisify(gunzip);

/** The two encodings of OTLP/HTTP. */
export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The encoding a Content-Type names, or null for any other. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return null;
}

/** A DEBUG_BODY_LIMIT value (`512kb`, `10mb`) in bytes. */
export function bytesOfLimit(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/i.exec(limit.trim());
  if (!match) throw new Error(`not a size: ${limit}`);
  const unit = match[2].toLowerCase();
  return Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

/** 413: a body over the limit, as sent or once decompressed. */
export class BodyTooLargeError extends DomainError {
  constructor(limitBytes: number, what: string) {
    super(
      'PAYLOAD_TOO_LARGE',
      `the request body ${what} is over the limit of ${limitBytes} bytes (DEBUG_BODY_LIMIT): export smaller batches`,
      {
        limit_bytes: limitBytes,
      },
    );
  }
}

/**
 * Reads the request body, at most `limitBytes`, and inflates it when it is gzip: the limit
 * holds for the inflated body too, so a small compressed bomb is refused, not expanded.
 */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity' && encoding !== '') {
    throw new UnsupportedMediaError(
      `Content-Encoding ${encoding} is not supported: send gzip or no encoding`,
    );
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes)
    throw new BodyTooLargeError(limitBytes, 'as sent');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(limitBytes, 'as sent');
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks, size);
  if (encoding !== 'gzip' || raw.length === 0) return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: limitBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new BodyTooLargeError(limitBytes, 'once decompressed');
    throw new DomainError(
      'VALIDATION_FAILED',
      `the body is not valid gzip: ${(error as Error).message}`,
    );
  }
}

/** 415: a Content-Type or Content-Encoding OTLP/HTTP does not define. */
export class UnsupportedMediaError extends Error {}
