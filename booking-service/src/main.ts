import { buildApp } from './app';
import { loadConfig } from './config';
import { ConfigError } from './lib/config-helpers';
import { createPool } from './lib/db';
import { createLogger } from './lib/logger';
import { installShutdown } from './lib/shutdown';
import { ensureBookingsStream } from './messaging/bookings-stream';
import { createNatsLink } from './messaging/nats-link';
import { createOutboxRelay } from './messaging/outbox-relay';

const SERVICE = 'booking-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel);
  const pool = createPool(config.db);
  const nats = createNatsLink({
    url: config.nats.url,
    name: SERVICE,
    logger,
    onConnect: async (nc) => {
      await ensureBookingsStream(nc, config.nats.duplicateWindowSeconds);
      relay.kick(); // catch up on whatever waited in the outbox
    },
  });
  const relay = createOutboxRelay({ pool, nats, logger, ...config.outbox });
  relay.start();

  const app = buildApp({
    pool,
    logger,
    natsConnected: nats.isConnected,
    onBookingCommitted: relay.kick,
  });
  const server = app.listen(config.port, () => logger.info({ port: config.port }, `${SERVICE} listening`));
  server.on('error', (err) => {
    logger.fatal({ err }, 'server failed to start');
    process.exit(1);
  });
  installShutdown({
    logger,
    server,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [
      // Committed bookings not yet published stay in the outbox; a replica or the next start sends them.
      { name: 'outbox relay', close: () => relay.stop() },
      { name: 'nats', close: () => nats.close() },
      { name: 'mysql pool', close: () => pool.end() },
    ],
  });
}

try {
  main();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`${SERVICE}: ${err.message}`);
  process.exit(1);
}
