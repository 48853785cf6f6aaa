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
    /**
     * The cached entries of several events in one MGET (concurrent reads share it: get-event.ts); an id
     * missing from the map is a miss. Redis failing or not answering in time: all misses.
     */
    async getMany(ids: string[]): Promise<Map<string, CachedEvent>> {
      const found = new Map<string, CachedEvent>();
      let raws: (string | null)[];
      try {
        raws = await redis.mget(ids.map(entryKey));
      } catch {
        return found;
      }
      for (const [i, raw] of raws.entries()) {
        const id = ids[i];
        if (raw === null || id === undefined) continue;
        try {
          found.set(id, JSON.parse(raw) as CachedEvent);
        } catch {
          // An unreadable entry is a miss; the read that follows stores a good one.
        }
      }
      return found;
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
