import type { Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '../observability/logger';
import { markDraining } from './health';

export type ShutdownStep = { name: string; close: () => Promise<unknown> };

/**
 * On SIGTERM/SIGINT: /ready answers 503 at once while requests are still served for drainMs (so load
 * balancers and k8s endpoints stop sending here), then stop accepting connections, let in-flight requests
 * finish, run the steps in order (e.g. stop consumers, drain NATS, close the pool) and exit 0. Closing is
 * bounded by shutdownTimeoutMs: past it the process exits 1, so an orchestrator never waits on a stuck one.
 *
 * Every response sent from the start of the drain (also of a request already in progress) says
 * `Connection: close`, and its socket closes once it is sent.
 * Behind a balancer of connections (kube-proxy, haproxy in TCP mode) keep-alive clients go on sending on their
 * open sockets while draining; without this, the sockets still open when the drain ends are closed as idle
 * while the client's next request is on its way, and that request fails with ECONNRESET (measured: ~48 per
 * rolling restart). Told to close, the client opens a new connection, which the balancer sends elsewhere.
 */
export function installShutdown(opts: {
  logger: Logger;
  server: Server;
  app: Express;
  steps: ShutdownStep[];
  drainMs: number;
  shutdownTimeoutMs: number;
}): void {
  const { logger, server, steps, drainMs, shutdownTimeoutMs } = opts;
  const closeAfterAnswer = trackAnswers(server);
  let started = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (started) return;
    started = true;
    markDraining(opts.app);
    closeAfterAnswer.draining = true;
    for (const res of closeAfterAnswer.open) if (!res.headersSent) res.setHeader('Connection', 'close');
    logger.info({ signal, drainMs }, 'shutting down: unready, draining');
    await new Promise((r) => setTimeout(r, drainMs));
    const force = setTimeout(() => {
      logger.error({ shutdownTimeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
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

/**
 * The answers not yet sent, so that from SIGTERM every one says `Connection: close`: those of requests that
 * arrive while draining, and those of requests already in progress (a booking may wait 10 s, longer than the
 * drain; its keep-alive answer would leave a socket open that is closed as idle as the client reuses it).
 */
function trackAnswers(server: Server): { draining: boolean; open: Set<ServerResponse> } {
  const state = { draining: false, open: new Set<ServerResponse>() };
  // First of the request listeners, so it runs before the app writes anything.
  server.prependListener('request', (_req, res) => {
    if (state.draining) {
      res.setHeader('Connection', 'close');
      return;
    }
    state.open.add(res);
    res.once('close', () => state.open.delete(res));
  });
  return state;
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
