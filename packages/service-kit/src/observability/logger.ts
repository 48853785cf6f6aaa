import pino from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs on stdout, one line each, every line naming the service (children add requestId). With pretty
 * (LOG_PRETTY=true, set by the root `npm start`), human-readable lines through pino-pretty, a
 * devDependency: where it is not installed (production images) the logs stay JSON.
 */
export function createLogger(service: string, level: string, pretty = false): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never log credentials that may travel in headers.
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  };
  const stream = pretty ? prettyStream() : undefined;
  return stream ? pino(options, stream) : pino(options);
}

function prettyStream(): pino.DestinationStream | undefined {
  try {
    // Loaded only when asked for, and only if installed (a devDependency).
    // Typed by hand, not `typeof import('pino-pretty')`: images compile without devDependencies.
    const pretty = require('pino-pretty') as { build: (opts: Record<string, unknown>) => pino.DestinationStream };
    return pretty.build({
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      singleLine: true,
      sync: true,
    });
  } catch {
    return undefined;
  }
}
