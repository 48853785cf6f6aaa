import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { ConfigError, type HttpConfig } from '../config/env';
import type { DbConfig } from '../db/pool';
import { ERROR_STATUS, type ErrorCode } from '../errors/app-error';
import type { Logger } from '../observability/logger';

export type { HttpConfig };

import { installCrashHandlers } from './crash';
import { installShutdown, type ShutdownStep } from './shutdown';
import { startupCheck } from './startup-check';

/**
 * Connections the kernel may hold for accept() (capped by net.core.somaxconn). Node's default, 511, resets
 * connections of a burst of 1,000 clients arriving at once on one replica.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Listens on `host`:`port` (BIND_ADDRESS, default 127.0.0.1) with bounds for slow clients, answers what Node's
 * HTTP parser refuses with the contract body, and on SIGTERM/SIGINT drains, closes, then runs the steps in order.
 * A port that cannot be taken stops the process with exit code 1. With `db`, MySQL is checked as it starts
 * (startup-check.ts): a refused account or a schema that is not migrated stops it with one line and exit 1;
 * MySQL not answering leaves it running, unready, until MySQL answers.
 */
export function serve(opts: {
  app: Express;
  service: string;
  logger: Logger;
  /** The service's config: the address and port to listen on, the HTTP server's bounds, MySQL to check. */
  config: { port: number; host?: string; http: HttpConfig; db?: DbConfig };
  steps: ShutdownStep[];
}): Server {
  const { logger } = opts;
  const { port, http, host } = opts.config;
  installCrashHandlers(logger);
  const server = createServer(
    {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      keepAliveTimeout: http.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s, which would stretch them).
      connectionsCheckingInterval: Math.min(1_000, http.headersTimeoutMs),
    },
    opts.app,
  );
  // A client may reuse one socket for this many requests, then it reconnects (and may land elsewhere).
  server.maxRequestsPerSocket = 1_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    refuseRequest(err, socket);
    logger.debug({ code: err.code }, 'request refused by the HTTP parser');
  });
  // A listen error (e.g. EADDRINUSE) stops the process: "listening" is logged only once it listens.
  const onListenError = (err: Error) => {
    logger.fatal({ err, port, host }, `${opts.service} could not listen`);
    process.exit(1);
  };
  server.once('error', onListenError);
  server.listen({ port, host: host ?? '127.0.0.1', backlog: LISTEN_BACKLOG }, () => {
    server.off('error', onListenError);
    logger.info({ port, host: host ?? '127.0.0.1' }, `${opts.service} listening`);
  });
  if (opts.config.db) void startupCheck({ service: opts.service, db: opts.config.db, logger });
  server.on('error', (err) => {
    logger.fatal({ err }, 'server failed');
    process.exit(1);
  });
  installShutdown({ logger, server, app: opts.app, ...http, steps: opts.steps });
  return server;
}

/**
 * What Node's parser refuses (oversized headers, bad framing, a header or request timeout) gets the
 * contract's error body (docs/api.md), as long as nothing was written on the socket yet; then it closes.
 */
function refuseRequest(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as { bytesWritten?: number }).bytesWritten) {
    socket.destroy();
    return;
  }
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['HEADERS_TOO_LARGE', 'Request line or headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['REQUEST_TIMEOUT', 'The request did not arrive in time']
        : ['VALIDATION_FAILED', 'Malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  const status = ERROR_STATUS[code];
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${randomUUID()}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
  // A client that never reads must not hold the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

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
