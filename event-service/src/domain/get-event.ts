import { notFound } from '@ebs/service-kit/errors';
import type { EventsCache } from '../data/events.cache';
import type { EventState, EventsRepo } from '../data/events.repo';
import { countCacheRead } from '../metrics';
import { arrivalBatch } from './arrival-batch';
import { type EventView, eventView } from './event-view';
import { singleFlight } from './single-flight';

export type EventReader = (id: string) => Promise<{ event: EventView; cached: boolean }>;

/**
 * GET /events/:id, fresh by construction (docs/api.md "Availability is never decided from the cache"):
 *
 * - Every read asks MySQL for the event's state (availableSeats, totalSeats, updatedAt and a digest of the
 *   fields only a PATCH changes) in a primary-key read sent after the request arrived: concurrent reads share
 *   one `WHERE id IN (...)` statement, but never one sent before they arrived (arrival-batch.ts). So a read
 *   that starts after a booking's 201, a cancel's 200 or a PATCH's 200 shows it, whatever NATS, the consumer
 *   or Redis did: bookings are written by booking-service straight into MySQL, the one place that knows.
 * - Redis holds the rest (name, description, venue, startsAt, createdAt) with the digest it was read with. A
 *   hit whose digest equals MySQL's is answered from Redis with the state from MySQL (`cached: true`);
 *   anything else reads the row (`cached: false`) and stores it. An entry that is stale, written late by a
 *   slow reader, or left behind by a failed write is therefore never served, on any replica; nothing has to
 *   invalidate it in time, and the cache-refresh consumer only keeps entries warm.
 * - A miss reads the row once for all concurrent callers that saw the same digest (single-flight keyed by id
 *   and digest), so a load that began before a PATCH is never handed to a caller that arrived after it: such a
 *   caller saw another digest. Whatever details a caller gets, its seats come from its own state read.
 *
 * Cost per cached read: a share of one Redis MGET and of one primary-key SELECT, issued together.
 */
export function createEventReader(deps: { events: EventsRepo; cache: EventsCache }): EventReader {
  const stateOf = arrivalBatch((ids) => deps.events.states(ids), { maxInFlight: 4, maxBatch: 200 });
  // Concurrent reads share one MGET as well (profiled: one GET per request made a cached read cost more CPU
  // than an uncached one). Sharing an entry is safe for the same reason serving it is: its digest is checked.
  const cachedOf = arrivalBatch((ids) => deps.cache.getMany(ids), { maxInFlight: 4, maxBatch: 200 });

  const loadRow = singleFlight(
    (key: { id: string; detailsHash: string }) => `${key.id}:${key.detailsHash}`,
    ({ id }) => deps.events.findById(id),
    // Also shared for a second after it returned: callers that missed Redis just before the entry was stored
    // read MySQL's state meanwhile, and details with the digest they saw are theirs whenever they were read.
    { keepMs: 1_000, maxKept: 10_000 },
  );

  return async (id) => {
    const [state, hit] = await Promise.all([stateOf(id), cachedOf(id)]);
    if (!state) throw notFound('Event');
    const fresh = hit !== undefined && hit.detailsHash === state.detailsHash;
    countCacheRead(fresh ? 'hit' : 'miss');
    if (fresh) return { event: withState(hit.event, state), cached: true };
    const row = await loadRow({ id, detailsHash: state.detailsHash });
    if (row && row.detailsHash === state.detailsHash) {
      const event = eventView(row);
      // Not awaited: a slow Redis never delays the answer, and a lost write only costs a later miss.
      void deps.cache.set(id, { event, detailsHash: row.detailsHash });
      return { event: withState(event, state), cached: false };
    }
    // The event changed between the two reads: one more read, sent after this request arrived, is the answer.
    const own = await deps.events.findById(id);
    if (!own) throw notFound('Event');
    return { event: eventView(own), cached: false };
  };
}

/** The cached details with the state MySQL just answered. */
const withState = (e: EventView, s: EventState): EventView => ({
  ...e,
  totalSeats: s.totalSeats,
  availableSeats: s.availableSeats,
  updatedAt: s.updatedAt.toISOString(),
});
