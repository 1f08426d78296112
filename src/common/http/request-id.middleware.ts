import type { NextFunction, Request, Response } from 'express';
import { newId } from '../ids.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type WithRequestId = Request & { requestId?: string };

/**
 * Takes the caller's X-Request-Id (when sane) or makes one, and echoes it back.
 * Installed before the body parser, so that even a 400/413 from parsing carries it.
 */
export function requestIdMiddleware(
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  const incoming = request.header(REQUEST_ID_HEADER);
  const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : newId();
  (request as WithRequestId).requestId = requestId;
  response.setHeader('X-Request-Id', requestId);
  next();
}

export function requestIdOf(request: Request): string {
  return (request as WithRequestId).requestId ?? 'unknown';
}
