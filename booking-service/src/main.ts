import { createTokenVerifier } from '@ebs/service-kit/auth';
import { createPool } from '@ebs/service-kit/db';
import { runService, serve } from '@ebs/service-kit/lifecycle';
import { createNatsLink } from '@ebs/service-kit/messaging';
import { createLogger } from '@ebs/service-kit/observability';
import { buildApp } from './app';
import { loadConfig } from './config';
import { createRepos } from './data/repos';
import { createBookingRush } from './domain/book-seats';
import { createHoldSweeper } from './domain/expire-holds';
import { createKeyPurger } from './domain/idempotency-purge';
import { ensureBookingsStream } from './messaging/bookings-stream';
import { createOutboxRelay } from './messaging/outbox-relay';

const SERVICE = 'booking-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel, config.logPretty);
  const pool = createPool(config.db);
  const repos = createRepos(pool);
  const nats = createNatsLink({
    url: config.nats.url,
    name: SERVICE,
    logger,
    onConnect: async (nc) => {
      await ensureBookingsStream(nc, config.nats.stream);
      relay.kick(); // catch up on whatever waited in the outbox
    },
  });
  const relay = createOutboxRelay({ pool, outbox: repos.outbox, nats, logger, ...config.outbox });
  relay.start();

  // Keys are fetched now and cached: a booking never waits on user-service.
  const auth = createTokenVerifier(config.auth, logger);
  void auth.warmUp();
  const { holdTtlSeconds, offerTtlSeconds, sweepMs } = config.holds;
  const rush = createBookingRush({ pool, repos, logger, outbox: relay, holdTtlSeconds, offerTtlSeconds }, config.rush);
  // Every replica sweeps: holds past expiresAt are released exactly once, whichever replicas live.
  const sweeper = createHoldSweeper({ pool, repos, logger, outbox: relay, everyMs: sweepMs, offerTtlSeconds });
  sweeper.start();
  const now = () => new Date();
  const purger = createKeyPurger({ idempotency: repos.idempotency, logger, now, ...config.idempotencyPurge });
  purger.start();

  const app = buildApp({
    pool,
    repos,
    logger,
    auth,
    natsConnected: nats.isConnected,
    rush,
    onOutboxWritten: relay.kick,
    offerTtlSeconds,
    now,
    testHooks: config.testHooks,
  });
  // What closes on SIGTERM, in order, once the drain is over.
  const closing = [
    // A pass in hand ends first, so the messages it commits are handed to the relay before it stops.
    { name: 'hold sweeper', close: () => sweeper.stop() },
    // Committed bookings not yet published stay in the outbox; a replica or the next start sends them.
    { name: 'outbox relay', close: () => relay.stop() },
    { name: 'idempotency key purge', close: () => purger.stop() },
    { name: 'nats', close: () => nats.close() },
    { name: 'mysql pool', close: () => pool.end() },
  ];
  serve({ app, service: SERVICE, logger, config, steps: closing });
}

runService(SERVICE, main);
