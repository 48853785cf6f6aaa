import type { EventsCache } from '../data/events.cache';
import type { EventsRepo } from '../data/events.repo';
import { eventView } from './event-view';

/**
 * Keeps the cache warm for the events the consumer hears of: one state read and one MGET for the whole
 * batch, then each event whose entry is missing or holds other details than MySQL's is read once and stored,
 * so the next GET is a hit. An entry that already matches is left alone: a booking or cancel changes only
 * availability, which every read takes from MySQL, so rewriting it would cost a row read and a SET per event
 * per batch for nothing. Freshness never depends on this (every read checks the entry against MySQL,
 * get-event.ts). Answers, per event, whether it is done: false when Redis refused the write (worth a retry).
 * A MySQL failure throws.
 */
export async function refreshCachedEvents(
  deps: { events: EventsRepo; cache: EventsCache },
  eventIds: string[],
): Promise<Map<string, boolean>> {
  const done = new Map<string, boolean>();
  const ids = [...new Set(eventIds)];
  if (ids.length === 0) return done;
  const [states, cached] = await Promise.all([deps.events.states(ids), deps.cache.getMany(ids)]);
  for (const id of ids) {
    const state = states.get(id);
    // An event that is not (or no longer) there has nothing to refresh; one whose entry matches is warm.
    if (!state || cached.get(id)?.detailsHash === state.detailsHash) {
      done.set(id, true);
      continue;
    }
    const row = await deps.events.findById(id);
    done.set(id, row ? await deps.cache.set(id, { event: eventView(row), detailsHash: row.detailsHash }) : true);
  }
  return done;
}
