import { z } from 'zod';
import type { EventsCache } from '../data/events.cache';
import type { EventsRepo } from '../data/events.repo';
import type { ParkedMessagesRepo } from '../data/parked-messages.repo';
import { refreshCachedEvents } from '../domain/refresh-cache';
import { isDbUnavailable } from '../lib/db';
import type { Logger } from '../lib/logger';
import { uuid } from '../lib/validation';
import { BOOKINGS_STREAM, lookUpBookingsStream } from './bookings-stream';
import { type DurableConsumer, type Outcome, startDurableConsumer } from './durable-consumer';
import type { NatsLink } from './nats-link';

export const CONSUMER_NAME = 'event-service-cache';
/** bookings.confirmed and bookings.cancelled (and whatever else booking-service adds under bookings.). */
export const FILTER_SUBJECT = 'bookings.>';

/** Every bookings.* message names the event whose seats it moved (docs/messaging.md); other fields are not ours. */
const bookingMessage = z.object({ eventId: uuid });

/**
 * The durable consumer `event-service-cache` on bookings.>: per fetched batch, re-reads each booked or
 * cancelled event once and stores it in the cache (a rush of 200 bookings of one event is one refresh).
 * A Redis write that fails is nak'ed and retried; a message without a valid eventId is parked. Replicas share
 * the consumer.
 */
export function startCacheRefreshConsumer(deps: {
  nats: NatsLink;
  events: EventsRepo;
  cache: EventsCache;
  parked: ParkedMessagesRepo;
  logger: Logger;
}): DurableConsumer {
  return startDurableConsumer({
    nats: deps.nats,
    stream: BOOKINGS_STREAM,
    durable: CONSUMER_NAME,
    filterSubject: FILTER_SUBJECT,
    // booking-service creates and configures the stream; this service only looks it up.
    ensureStream: async (nc) => {
      await lookUpBookingsStream(nc);
    },
    handler: async (batch) => {
      const parsed = batch.map((d) => bookingMessage.safeParse(d.data));
      const eventIds = parsed.flatMap((p) => (p.success ? [p.data.eventId] : []));
      const done = await refreshCachedEvents(deps, eventIds);
      return parsed.map((p): Outcome => {
        if (!p.success) return { park: `invalid payload: ${z.prettifyError(p.error)}` };
        return done.get(p.data.eventId) ? 'done' : 'retry';
      });
    },
    park: (m) => deps.parked.park(m),
    isTransient: isDbUnavailable,
    logger: deps.logger,
  });
}
