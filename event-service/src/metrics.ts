import { client } from '@ebs/service-kit/observability';

// event-service's own Prometheus metrics (lib/metrics.ts has the process and HTTP ones): the read cache and
// the cache-refresh consumer. Code calls the named functions below, one line each.

const cacheReads = new client.Counter({
  name: 'cache_requests_total',
  help: 'GET /events/:id cache lookups by result (hit: answered from Redis; miss: read from MySQL)',
  labelNames: ['result'] as const,
});

/** A cache lookup for GET /events/:id: hit or miss (Redis failing counts as a miss). */
export function countCacheRead(result: 'hit' | 'miss'): void {
  cacheReads.inc({ result });
}
