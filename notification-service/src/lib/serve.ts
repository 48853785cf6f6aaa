import type { Server } from 'node:http';
import type { Express } from 'express';
import { ConfigError } from './config-helpers';
import type { Logger } from './logger';
import { installShutdown, type ShutdownStep } from './shutdown';

/**
 * Connections the kernel may hold for accept() (capped by net.core.somaxconn). Node's default, 511, resets
 * connections of a burst of 1,000 clients arriving at once on one replica.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Listens on `port` and, on SIGTERM/SIGINT, stops accepting, lets in-flight requests finish, then runs the
 * steps in order. A port that cannot be taken stops the process with exit code 1.
 */
export function serve(opts: {
  app: Express;
  port: number;
  service: string;
  logger: Logger;
  shutdownTimeoutMs: number;
  steps: ShutdownStep[];
}): Server {
  const { logger } = opts;
  // Express 5 hands a listen error (e.g. EADDRINUSE) to this callback: "listening" is logged only on success.
  const server = opts.app.listen({ port: opts.port, backlog: LISTEN_BACKLOG }, (err?: Error) => {
    if (err) {
      logger.fatal({ err, port: opts.port }, `${opts.service} could not listen`);
      process.exit(1);
    }
    logger.info({ port: opts.port }, `${opts.service} listening`);
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'server failed');
    process.exit(1);
  });
  installShutdown({ logger, server, timeoutMs: opts.shutdownTimeoutMs, steps: opts.steps });
  return server;
}

/** Runs main; an invalid configuration is printed (naming the variable) and exits 1, without a stack trace. */
export function runService(service: string, main: () => void): void {
  try {
    main();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${service}: ${err.message}`);
    process.exit(1);
  }
}
