import { BOOKINGS_FILTER, BOOKINGS_STREAM } from '@ebs/contracts';
import { isDbUnavailable } from '@ebs/service-kit/db';
import type { NatsLink } from '@ebs/service-kit/messaging';
import { type DurableConsumer, lookUpStream, startDurableConsumer } from '@ebs/service-kit/messaging';
import type { Logger } from '@ebs/service-kit/observability';
import type { NotificationsRepo } from '../data/notifications.repo';
import type { ParkedMessagesRepo } from '../data/parked-messages.repo';
import { recordBookingMessages } from '../domain/record-booking-messages';

/** The durable consumer's name: kept from the first version, so its position in the stream is kept too. */
export const CONSUMER_NAME = 'notification-service';
/** bookings.confirmed, .cancelled, .expired and .offered; anything else under bookings. is parked, never lost. */
export const FILTER_SUBJECT = BOOKINGS_FILTER;

/**
 * The durable consumer `notification-service` on bookings.>: what one fetch delivers is stored with one
 * multi-row insert and acked after it commits; a malformed message or unknown subject is parked.
 */
export function startBookingsConsumer(deps: {
  nats: NatsLink;
  notifications: NotificationsRepo;
  parked: ParkedMessagesRepo;
  logger: Logger;
  ackWaitMs: number;
  /** Unable to consume for longer than this, /ready reports it (CONSUMER_STALL_SECONDS). */
  stallAfterMs?: number;
  /** First redelivery delay after a failure (tests shorten it). */
  retryBaseMs?: number;
}): DurableConsumer {
  return startDurableConsumer({
    nats: deps.nats,
    stream: BOOKINGS_STREAM,
    durable: CONSUMER_NAME,
    filterSubject: FILTER_SUBJECT,
    // booking-service creates and configures the stream; this service only looks it up.
    ensureStream: async (nc) => {
      await lookUpStream(nc, BOOKINGS_STREAM, 'booking-service');
    },
    handler: async (batch) =>
      (await recordBookingMessages(deps, batch)).map((o) => (o === 'stored' ? 'done' : { park: o.invalid })),
    park: (m) => deps.parked.park(m),
    isTransient: isDbUnavailable,
    logger: deps.logger,
    ackWaitMs: deps.ackWaitMs,
    retryBaseMs: deps.retryBaseMs,
    stallAfterMs: deps.stallAfterMs,
  });
}
