import { z } from 'zod';
import type { EventsCache } from '../data/events.cache';
import type { Logger } from '../lib/logger';
import { BOOKINGS_STREAM, lookUpBookingsStream } from './bookings-stream';
import { type DurableConsumer, startDurableConsumer } from './durable-consumer';
import type { NatsLink } from './nats-link';

export const CONSUMER_NAME = 'event-service-cache';

const bookingConfirmed = z.object({ eventId: z.uuid() });

/**
 * The durable consumer `event-service-cache` on bookings.confirmed: drops the booked event's cache entry, so
 * the next GET /events/:id reads the new availableSeats from MySQL. Replicas share the consumer.
 */
export function startCacheRefreshConsumer(deps: {
  nats: NatsLink;
  cache: EventsCache;
  logger: Logger;
}): DurableConsumer {
  return startDurableConsumer({
    nats: deps.nats,
    stream: BOOKINGS_STREAM,
    durable: CONSUMER_NAME,
    filterSubject: 'bookings.confirmed',
    ensureStream: async (nc) => {
      await lookUpBookingsStream(nc);
    },
    handler: async (data) => {
      const parsed = bookingConfirmed.safeParse(data);
      if (!parsed.success) return 'drop';
      // An invalidation Redis cannot take now is retried by the cache itself when Redis is back.
      await deps.cache.invalidate(parsed.data.eventId.toLowerCase());
      return 'ack';
    },
    logger: deps.logger,
  });
}
