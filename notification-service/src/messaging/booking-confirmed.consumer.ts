import type { NotificationsRepo } from '../data/notifications.repo';
import { recordBookingConfirmed } from '../domain/record-booking-confirmed';
import type { Logger } from '../lib/logger';
import { BOOKINGS_STREAM, lookUpBookingsStream } from './bookings-stream';
import { type DurableConsumer, startDurableConsumer } from './durable-consumer';
import type { NatsLink } from './nats-link';

export const CONSUMER_NAME = 'notification-service';

/** The durable consumer `notification-service` on bookings.confirmed: one notification row per booking. */
export function startBookingConfirmedConsumer(deps: {
  nats: NatsLink;
  notifications: NotificationsRepo;
  logger: Logger;
  ackWaitMs: number;
}): DurableConsumer {
  return startDurableConsumer({
    nats: deps.nats,
    stream: BOOKINGS_STREAM,
    durable: CONSUMER_NAME,
    filterSubject: 'bookings.confirmed',
    ensureStream: async (nc) => {
      await lookUpBookingsStream(nc);
    },
    handler: (data) => recordBookingConfirmed(deps, data),
    logger: deps.logger,
    ackWaitMs: deps.ackWaitMs,
  });
}
