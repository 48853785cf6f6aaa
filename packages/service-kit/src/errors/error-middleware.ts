import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDbUnavailable } from '../db/pool';
import type { Logger } from '../observability/logger';
import { AppError, unavailable } from './app-error';

/** Unknown routes answer the contract's 404 body. */
export const notFoundRoute: RequestHandler = (req) => {
  throw new AppError('NOT_FOUND', `Route ${req.method} ${req.path} not found`);
};

/** The one place where errors become responses. Nothing but the contract's body ever leaves. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    const log = req.log ?? logger;
    if (appError.status >= 500) log.error({ err, code: appError.code }, appError.message);
    else log.debug({ code: appError.code, message: appError.message }, 'client error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (appError.headers) res.set(appError.headers);
    res.status(appError.status).json(appError.toBody());
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown; body?: unknown };
  // A path parameter with broken percent-encoding cannot name anything that exists.
  if (typeof e.message === 'string' && e.message.startsWith('Failed to decode param')) {
    return new AppError('NOT_FOUND', 'Resource not found');
  }
  // The body parser's client errors (http-errors: expose + a 4xx status), typed or not (zlib's errors on a
  // body that is not what its Content-Encoding says carry no type): the client's fault, never a 500.
  if (e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return bodyError(e.status, e.type, e.message, e.body);
  }
  if (isDbUnavailable(err)) return unavailable('The database is unavailable, try again shortly');
  return new AppError('INTERNAL', 'Internal server error');
}

function bodyError(status: number, type: unknown, message: unknown, body: unknown): AppError {
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'Request body is larger than 100 kB');
  if (type === 'encoding.unsupported') {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding must be gzip, deflate, br or identity');
  }
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be UTF-8 JSON');
  if (type === 'entity.parse.failed') {
    if (typeof message === 'string' && message.includes('surrogate')) {
      return new AppError('INVALID_JSON', 'Request body holds a lone UTF-16 surrogate');
    }
    // Valid JSON that is not an object or array (null, "text", 42): the parser takes only those.
    if (isJsonText(body)) return new AppError('INVALID_JSON', 'Request body must be a JSON object');
    return new AppError('INVALID_JSON', 'Request body is not valid JSON');
  }
  if (type === undefined) return new AppError('INVALID_JSON', 'Request body does not match its Content-Encoding');
  return new AppError('INVALID_JSON', 'Request body could not be read');
}

function isJsonText(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
