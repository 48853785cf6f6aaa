import pino from 'pino';

export type Logger = pino.Logger;

/** JSON logs on stdout, one line each, every line naming the service (children add requestId). */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never log credentials that may travel in headers.
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  });
}
