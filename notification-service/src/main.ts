import { buildApp } from './app';
import { loadConfig } from './config';
import { createNotificationsRepo } from './data/notifications.repo';
import { ConfigError } from './lib/config-helpers';
import { createPool } from './lib/db';
import { createLogger } from './lib/logger';
import { installShutdown } from './lib/shutdown';
import { startBookingConfirmedConsumer } from './messaging/booking-confirmed.consumer';
import { createNatsLink } from './messaging/nats-link';

const SERVICE = 'notification-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel);
  const pool = createPool(config.db);
  const notifications = createNotificationsRepo(pool);
  const nats = createNatsLink({ url: config.nats.url, name: SERVICE, logger });
  const consumer = startBookingConfirmedConsumer({ nats, notifications, logger, ackWaitMs: config.nats.ackWaitMs });

  const app = buildApp({ pool, notifications, logger, natsConnected: nats.isConnected });
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
      // Stop pulling and finish (and ack) the message in hand, then drain NATS, then close the pool.
      { name: 'booking-confirmed consumer', close: () => consumer.stop() },
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
