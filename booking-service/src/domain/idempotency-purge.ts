import type { Logger } from '@ebs/service-kit/observability';
import type { IdempotencyRepo } from '../data/idempotency.repo';
import { IDEMPOTENCY_TTL_MS } from './idempotency';

export type KeyPurger = {
  /** One purge: deletes every key older than 24 h in batches; returns how many went. */
  purgeOnce: () => Promise<number>;
  start: () => void;
  stop: () => Promise<void>;
};

/**
 * Expired Idempotency-Keys (older than 24 h) already count as absent; this only keeps the table small.
 * Every replica runs it; batches of `batchSize` rows keep each DELETE short next to live bookings.
 */
export function createKeyPurger(deps: {
  idempotency: IdempotencyRepo;
  logger: Logger;
  now: () => Date;
  everyMs: number;
  batchSize: number;
}): KeyPurger {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function purgeOnce(): Promise<number> {
    const before = new Date(deps.now().getTime() - IDEMPOTENCY_TTL_MS);
    let total = 0;
    for (;;) {
      const n = await deps.idempotency.purgeBatch(before, deps.batchSize);
      total += n;
      if (n < deps.batchSize) return total;
    }
  }

  function tick(): void {
    if (running) return; // the previous pass is still deleting: never two at once
    running = purgeOnce()
      .then((n) => {
        if (n > 0) deps.logger.info({ purged: n }, 'expired idempotency keys purged');
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'idempotency key purge failed'))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    purgeOnce,
    start: () => {
      timer = setInterval(tick, deps.everyMs);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
