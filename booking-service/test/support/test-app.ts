import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier } from '@ebs/service-kit/auth';
import { createPool } from '@ebs/service-kit/db';
import { LISTEN_BACKLOG } from '@ebs/service-kit/lifecycle';
import { createNatsLink, type NatsLink } from '@ebs/service-kit/messaging';
import { createLogger } from '@ebs/service-kit/observability';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { createRepos, type Repos } from '../../src/data/repos';
import { type BookingRush, createBookingRush } from '../../src/domain/book-seats';
import { createHoldSweeper, type HoldSweeper } from '../../src/domain/expire-holds';
import { ensureBookingsStream } from '../../src/messaging/bookings-stream';
import { createOutboxRelay, type OutboxRelay } from '../../src/messaging/outbox-relay';

/** The config tests run with: this run's database and NATS, quiet logs unless LOG_LEVEL is set. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...overrides });
}

export type TestApp = {
  app: Express;
  pool: Pool;
  /** The repositories the service runs with (built once, as main.ts does). */
  repos: Repos;
  nats: NatsLink;
  relay: OutboxRelay;
  rush: BookingRush;
  /** The hold sweeper; runs only when startSweeper is true (tests may call sweepOnce themselves). */
  sweeper: HoldSweeper;
  /**
   * The server's thread ids (CONNECTION_ID()) of every connection this app's pool opened, so a test can look
   * at its own sessions only (e.g. in information_schema.INNODB_TRX), never at other suites' or databases'.
   */
  connectionIds: () => number[];
  /** Listens on a free loopback port (for real concurrent HTTP); returns the base URL. */
  listen: () => Promise<string>;
  close: () => Promise<void>;
};

/**
 * The service wired as main.ts wires it: its own pool, NATS link and outbox relay. The relay only runs
 * when startRelay is true (tests that examine the outbox start and stop it themselves).
 */
export function createTestApp(
  overrides: NodeJS.ProcessEnv = {},
  opts: { startRelay?: boolean; now?: () => Date; startSweeper?: boolean } = {},
): TestApp {
  const config = testConfig(overrides);
  const logger = createLogger('test', config.logLevel);
  const pool = createPool(config.db);
  const connectionIds = new Set<number>();
  pool.on('connection', (conn) => connectionIds.add(conn.threadId));
  const repos = createRepos(pool);
  const nats = createNatsLink({
    url: config.nats.url,
    name: 'booking-test',
    logger,
    onConnect: async (nc) => {
      await ensureBookingsStream(nc, config.nats.stream);
      relay.kick();
    },
  });
  const relay = createOutboxRelay({ pool, outbox: repos.outbox, nats, logger, ...config.outbox });
  if (opts.startRelay) relay.start();
  const { holdTtlSeconds, offerTtlSeconds, sweepMs } = config.holds;
  const rush = createBookingRush({ pool, repos, logger, outbox: relay, holdTtlSeconds, offerTtlSeconds }, config.rush);
  const sweeper = createHoldSweeper({ pool, repos, logger, outbox: relay, everyMs: sweepMs, offerTtlSeconds });
  if (opts.startSweeper) sweeper.start();
  const app = buildApp({
    pool,
    repos,
    logger,
    auth: createTokenVerifier(config.auth, logger),
    natsConnected: nats.isConnected,
    rush,
    onOutboxWritten: relay.kick,
    offerTtlSeconds,
    now: opts.now,
  });
  let server: Server | undefined;
  return {
    app,
    pool,
    repos,
    nats,
    relay,
    rush,
    sweeper,
    connectionIds: () => [...connectionIds],
    listen: () =>
      new Promise((resolve) => {
        const s = app.listen(0, '127.0.0.1', LISTEN_BACKLOG, () =>
          resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`),
        );
        server = s;
      }),
    close: async () => {
      server?.close();
      await sweeper.stop();
      await relay.stop();
      await nats.close();
      await pool.end();
    },
  };
}
