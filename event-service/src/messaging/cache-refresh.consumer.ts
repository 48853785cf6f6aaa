import { BOOKINGS_FILTER, BOOKINGS_STREAM, eventOfMessage } from '@ebs/contracts';
import { isDbUnavailable } from '@ebs/service-kit/db';
import type { NatsLink, ParkedMessage } from '@ebs/service-kit/messaging';
import { type DurableConsumer, lookUpStream, type Outcome, startDurableConsumer } from '@ebs/service-kit/messaging';
import type { Logger } from '@ebs/service-kit/observability';
import { z } from 'zod';
import type { EventsCache } from '../data/events.cache';
import type { EventsRepo } from '../data/events.repo';
import { refreshCachedEvents } from '../domain/refresh-cache';

export const CONSUMER_NAME = 'event-service-cache';
/**
 * bookings.confirmed, .cancelled, .expired and .offered (and whatever else booking-service adds under bookings.):
 * each names the event whose seats it moved, which is all this consumer reads (@ebs/contracts eventOfMessage).
 */
export const FILTER_SUBJECT = BOOKINGS_FILTER;

/**
 * The durable consumer `event-service-cache` on bookings.>: per fetched batch, re-reads each event whose seats
 * a message moved (booked, cancelled, held for a waitlist entry, released by an expired hold) once and stores it
 * in the cache (a rush of 200 bookings of one event is one refresh).
 * A Redis write that fails is nak'ed and retried; a message without a valid eventId is parked. Replicas share
 * the consumer.
 */
export function startCacheRefreshConsumer(deps: {
  nats: NatsLink;
  events: EventsRepo;
  cache: EventsCache;
  /** Where a message that cannot be handled is kept for an operator (no replay here: every cached read is
   * checked against MySQL, src/domain/get-event.ts). */
  park: (m: ParkedMessage) => Promise<void>;
  logger: Logger;
  /** Unable to consume for longer than this, /ready reports it (CONSUMER_STALL_SECONDS). */
  stallAfterMs?: number;
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
    handler: async (batch) => {
      const parsed = batch.map((d) => eventOfMessage.safeParse(d.data));
      const eventIds = parsed.flatMap((p) => (p.success ? [p.data.eventId] : []));
      const done = await refreshCachedEvents(deps, eventIds);
      return parsed.map((p): Outcome => {
        if (!p.success) return { park: `invalid payload: ${z.prettifyError(p.error)}` };
        return done.get(p.data.eventId) ? 'done' : 'retry';
      });
    },
    park: deps.park,
    isTransient: isDbUnavailable,
    logger: deps.logger,
    stallAfterMs: deps.stallAfterMs,
  });
}
