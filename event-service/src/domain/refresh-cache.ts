import type { EventsCache } from '../data/events.cache';
import type { EventsRepo } from '../data/events.repo';
import { eventView } from './event-view';

/**
 * Re-reads each event once and stores it in the cache, so the next GET is a hit. Freshness never depends on
 * it (every read checks the entry against MySQL, get-event.ts); it keeps the cache warm after the bookings
 * and cancels the consumer hears of. Answers, per event, whether it is done: false when Redis refused the
 * write (worth a retry). A MySQL failure throws.
 */
export async function refreshCachedEvents(
  deps: { events: EventsRepo; cache: EventsCache },
  eventIds: string[],
): Promise<Map<string, boolean>> {
  const done = new Map<string, boolean>();
  for (const id of new Set(eventIds)) {
    const row = await deps.events.findById(id);
    // An event that is not (or no longer) there has nothing to refresh.
    done.set(id, row ? await deps.cache.set(id, { event: eventView(row), detailsHash: row.detailsHash }) : true);
  }
  return done;
}
