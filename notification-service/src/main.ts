import { createTokenVerifier } from '@ebs/service-kit/auth';
import { createPool } from '@ebs/service-kit/db';
import { runService, serve } from '@ebs/service-kit/lifecycle';
import { createNatsLink } from '@ebs/service-kit/messaging';
import { createLogger } from '@ebs/service-kit/observability';
import { buildApp } from './app';
import { loadConfig } from './config';
import { createNotificationsRepo } from './data/notifications.repo';
import { createParkedMessagesRepo } from './data/parked-messages.repo';
import { startBookingsConsumer } from './messaging/bookings.consumer';

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
    stallAfterMs: config.nats.stallAfterMs,
  });

  const auth = createTokenVerifier(config.auth, logger);
  void auth.warmUp();
  const app = buildApp({ pool, notifications, logger, auth, natsConnected: nats.isConnected, consumers: [consumer] });
  // What closes on SIGTERM, in order, once the drain is over.
  const closing = [
    // Stop pulling and finish (and ack) the message in hand, then drain NATS, then close the pool.
    { name: 'bookings consumer', close: () => consumer.stop() },
    { name: 'nats', close: () => nats.close() },
    { name: 'mysql pool', close: () => pool.end() },
  ];
  serve({ app, service: SERVICE, logger, config, steps: closing });
}

runService(SERVICE, main);
