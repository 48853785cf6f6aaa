import { buildApp } from './app';
import { loadConfig } from './config';
import { createNotificationsRepo } from './data/notifications.repo';
import { createParkedMessagesRepo } from './data/parked-messages.repo';
import { createTokenVerifier } from './lib/auth';
import { createPool } from './lib/db';
import { createLogger } from './lib/logger';
import { runService, serve } from './lib/serve';
import { startBookingsConsumer } from './messaging/bookings.consumer';
import { createNatsLink } from './messaging/nats-link';

const SERVICE = 'notification-service';

function main(): void {
  const config = loadConfig();
  const logger = createLogger(SERVICE, config.logLevel, config.logPretty);
  const pool = createPool(config.db);
  const notifications = createNotificationsRepo(pool);
  const nats = createNatsLink({ url: config.nats.url, name: SERVICE, logger });
  const consumer = startBookingsConsumer({
    nats,
    notifications,
    parked: createParkedMessagesRepo(pool),
    logger,
    ackWaitMs: config.nats.ackWaitMs,
  });

  const auth = createTokenVerifier(config.auth, logger);
  void auth.warmUp();
  const app = buildApp({ pool, notifications, logger, auth, natsConnected: nats.isConnected });
  serve({
    app,
    port: config.port,
    service: SERVICE,
    logger,
    http: config.http,
    steps: [
      // Stop pulling and finish (and ack) the message in hand, then drain NATS, then close the pool.
      { name: 'bookings consumer', close: () => consumer.stop() },
      { name: 'nats', close: () => nats.close() },
      { name: 'mysql pool', close: () => pool.end() },
    ],
  });
}

runService(SERVICE, main);
