import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDbUnavailable } from './db';
import { AppError, unavailable } from './errors';
import type { Logger } from './logger';

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
  const e = (err ?? {}) as { type?: unknown; status?: unknown; message?: unknown };
  // body-parser (express.json) errors carry a `type`.
  if (e.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'Request body is larger than 100 kB');
  if (e.type === 'entity.parse.failed') return new AppError('INVALID_JSON', 'Request body is not valid JSON');
  if (typeof e.type === 'string' && typeof e.status === 'number' && e.status < 500) {
    return new AppError('INVALID_JSON', `Request body could not be read: ${String(e.message)}`);
  }
  // A path parameter with broken percent-encoding cannot name anything that exists.
  if (typeof e.message === 'string' && e.message.startsWith('Failed to decode param')) {
    return new AppError('NOT_FOUND', 'Resource not found');
  }
  if (isDbUnavailable(err)) return unavailable('The database is unavailable, try again shortly');
  return new AppError('INTERNAL', 'Internal server error');
}
