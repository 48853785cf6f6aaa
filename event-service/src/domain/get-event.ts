import type { EventsCache } from '../data/events.cache';
import type { EventsRepo } from '../data/events.repo';
import { notFound } from '../lib/errors';
import { countCacheRead } from '../metrics';
import { type EventView, eventView } from './event-view';
import { singleFlight } from './single-flight';

export type EventReader = (id: string) => Promise<{ event: EventView; cached: boolean }>;

/**
 * GET /events/:id through the cache: a hit answers from Redis; a miss reads MySQL once however many
 * requests missed together (single-flight), and stores the result unless the event changed meanwhile.
 * Redis failing or slow is a miss. Nothing here decides availability: bookings lock the MySQL row.
 */
export function createEventReader(deps: { events: EventsRepo; cache: EventsCache }): EventReader {
  const loadFromDb = singleFlight(async (id: string): Promise<EventView | undefined> => {
    const version = await deps.cache.version(id);
    const record = await deps.events.findById(id);
    if (!record) return undefined;
    const view = eventView(record);
    if (version !== undefined) await deps.cache.setIfUnchanged(id, version, view);
    return view;
  });

  return async (id) => {
    const hit = await deps.cache.get<EventView>(id);
    countCacheRead(hit ? 'hit' : 'miss');
    if (hit) return { event: hit, cached: true };
    const event = await loadFromDb(id);
    if (!event) throw notFound('Event');
    return { event, cached: false };
  };
}
