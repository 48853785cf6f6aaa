import type Redis from 'ioredis';
import type { EventView } from '../domain/event-view';

/** One cached event: the view as it was read, and the digest of its PATCH-only fields in that read. */
export type CachedEvent = { event: EventView; detailsHash: string };

// One entry per event, `event:<id>`, living ttlSeconds. An entry is never trusted on its own: every read
// checks its digest against MySQL and takes availability from MySQL (src/domain/get-event.ts), so an entry
// that is old, written late or never invalidated is harmless, and nothing here needs versions, deferred
// invalidations or retries.
const entryKey = (id: string) => `event:${id}`;

export type EventsCache = ReturnType<typeof createEventsCache>;

export function createEventsCache(redis: Redis, ttlSeconds: number) {
  return {
    /** The cached entry, or undefined on a miss or when Redis cannot answer in time. */
    async get(id: string): Promise<CachedEvent | undefined> {
      try {
        const raw = await redis.get(entryKey(id));
        return raw === null ? undefined : (JSON.parse(raw) as CachedEvent);
      } catch {
        return undefined;
      }
    },

    /** Stores an entry; false when Redis cannot take it now. */
    async set(id: string, entry: CachedEvent): Promise<boolean> {
      try {
        await redis.set(entryKey(id), JSON.stringify(entry), 'EX', ttlSeconds);
        return true;
      } catch {
        return false;
      }
    },

    async ping(): Promise<void> {
      await redis.ping();
    },
  };
}
