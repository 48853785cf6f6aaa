import type { Server } from 'node:http';
import type { Logger } from './logger';

export type ShutdownStep = { name: string; close: () => Promise<unknown> };

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, then run the steps in
 * order (e.g. stop consumers, drain NATS, close the pool) and exit 0. Past timeoutMs it gives up and
 * exits 1, so an orchestrator never waits on a stuck process.
 */
export function installShutdown(opts: {
  logger: Logger;
  server: Server;
  steps: ShutdownStep[];
  timeoutMs: number;
}): void {
  const { logger, server, steps, timeoutMs } = opts;
  let started = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (started) return;
    started = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    await closeServer(server);
    for (const step of steps) {
      try {
        await step.close();
      } catch (err) {
        logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}

/** Resolves once every connection is gone; keep-alive sockets are closed as soon as they go idle. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(idle);
      resolve();
    });
    server.closeIdleConnections();
  });
}
