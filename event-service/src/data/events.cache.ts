import type Redis from 'ioredis';
import type { Logger } from '../lib/logger';

// One entry per event, `event:<id>`, holding its JSON for ttlSeconds; beside it `event:<id>:v`, a version
// bumped by every invalidation. A reader that missed notes the version before reading MySQL and stores
// what it read only if the version is still the same, so a value read before a change is never cached
// after that change's invalidation.

const entryKey = (id: string) => `event:${id}`;
const versionKey = (id: string) => `event:${id}:v`;
const VERSION_TTL_SECONDS = 86_400;

const SET_IF_UNCHANGED = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

const INVALIDATE = `
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1`;

export type EventsCache = ReturnType<typeof createEventsCache>;

export function createEventsCache(redis: Redis, ttlSeconds: number, logger: Logger) {
  // Invalidations that failed while Redis was unreachable; retried as soon as it is back.
  const pendingInvalidations = new Set<string>();
  redis.on('ready', () => {
    for (const id of pendingInvalidations) void invalidate(id);
  });

  async function invalidate(id: string): Promise<boolean> {
    try {
      await redis.eval(INVALIDATE, 2, entryKey(id), versionKey(id), VERSION_TTL_SECONDS);
      pendingInvalidations.delete(id);
      return true;
    } catch (err) {
      pendingInvalidations.add(id);
      logger.warn({ err: (err as Error).message, eventId: id }, 'cache invalidation deferred until redis is back');
      return false;
    }
  }

  return {
    /** The cached JSON, or undefined on a miss or when Redis cannot answer in time. */
    async get<T>(id: string): Promise<T | undefined> {
      if (pendingInvalidations.has(id)) return undefined;
      try {
        const raw = await redis.get(entryKey(id));
        return raw === null ? undefined : (JSON.parse(raw) as T);
      } catch {
        return undefined;
      }
    },

    /** The entry's version, to hand back to setIfUnchanged; undefined when Redis cannot answer. */
    async version(id: string): Promise<string | undefined> {
      try {
        return (await redis.get(versionKey(id))) ?? '0';
      } catch {
        return undefined;
      }
    },

    /** Stores value unless the entry was invalidated since `version` was read. */
    async setIfUnchanged(id: string, version: string, value: unknown): Promise<boolean> {
      try {
        const stored = await redis.eval(
          SET_IF_UNCHANGED,
          2,
          entryKey(id),
          versionKey(id),
          version,
          JSON.stringify(value),
          ttlSeconds,
        );
        return stored === 1;
      } catch {
        return false;
      }
    },

    invalidate,

    async ping(): Promise<void> {
      await redis.ping();
    },
  };
}
