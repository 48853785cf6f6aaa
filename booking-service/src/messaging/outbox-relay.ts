import type { Pool } from 'mysql2/promise';
import { headers as natsHeaders } from 'nats';
import { outboxRepo } from '../data/outbox.repo';
import { withTransaction } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { NatsLink } from './nats-link';

export type RelayResult = { published: number; duplicates: number; failed: number };

export type OutboxRelay = {
  /** Publish what is due now (after a commit); coalesces with a pass already running. */
  kick: () => void;
  /** One pass over due rows; exposed for tests and tools. */
  relayOnce: () => Promise<RelayResult>;
  start: () => void;
  /** Stops polling and waits for the pass in hand to finish. */
  stop: () => Promise<void>;
};

const PUBLISH_TIMEOUT_MS = 2_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes outbox rows to JetStream, each with msgID = its msg_id, and marks them published only after
 * JetStream acknowledged them. Rows are claimed with FOR UPDATE SKIP LOCKED, so replicas share the work.
 * A row published twice (a crash between ack and mark) is dropped by JetStream's duplicate window.
 * Runs right after each commit (kick) and every pollMs for leftovers; backs off while NATS fails.
 */
export function createOutboxRelay(deps: {
  pool: Pool;
  nats: NatsLink;
  logger: Logger;
  pollMs: number;
  batchSize: number;
}): OutboxRelay {
  const { pool, nats, logger, pollMs, batchSize } = deps;
  const encoder = new TextEncoder();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let failures = 0;

  async function relayOnce(): Promise<RelayResult> {
    const nc = nats.connection();
    if (!nc || !nats.isConnected()) return { published: 0, duplicates: 0, failed: 0 };
    const js = nc.jetstream();
    return withTransaction(
      pool,
      async (conn) => {
        const rows = await outboxRepo.claimDue(conn, batchSize, new Date());
        const outcomes = await Promise.allSettled(
          rows.map((row) =>
            js.publish(row.subject, encoder.encode(row.payload), {
              msgID: row.msgId,
              timeout: PUBLISH_TIMEOUT_MS,
              headers: requestHeaders(row.requestId),
            }),
          ),
        );
        const publishedIds: number[] = [];
        let duplicates = 0;
        let failed = 0;
        for (const [i, outcome] of outcomes.entries()) {
          const row = rows[i];
          if (!row) continue;
          if (outcome.status === 'fulfilled') {
            publishedIds.push(row.id);
            if (outcome.value.duplicate) duplicates++;
          } else {
            failed++;
            const retryIn = Math.min(pollMs * 2 ** row.attempts, MAX_BACKOFF_MS);
            await outboxRepo.markFailed(
              conn,
              row.id,
              String(outcome.reason?.message ?? outcome.reason),
              new Date(Date.now() + retryIn),
            );
          }
        }
        await outboxRepo.markPublished(conn, publishedIds, new Date());
        return { published: publishedIds.length, duplicates, failed };
      },
      { isolationLevel: 'READ COMMITTED' },
    );
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        const r = await relayOnce();
        if (r.failed > 0) {
          failures++;
          logger.warn({ failed: r.failed, published: r.published }, 'outbox publish failed, will retry');
        } else {
          failures = 0;
        }
        if (r.published === batchSize) again = true; // more may be waiting
      } catch (err) {
        failures++;
        logger.warn({ err: (err as Error).message }, 'outbox relay pass failed, will retry');
      }
    } while (again && !stopped && failures === 0);
  }

  // Commits arriving within a few milliseconds are published in one pass (one claim, one update).
  const KICK_BATCH_MS = 5;
  let kickTimer: NodeJS.Timeout | undefined;

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (kickTimer) return; // a pass is about to start and will see this row
    clearTimeout(timer);
    kickTimer = setTimeout(runNow, KICK_BATCH_MS);
  }

  function runNow(): void {
    kickTimer = undefined;
    if (stopped || running) return;
    running = loop().finally(() => {
      running = undefined;
      schedule();
    });
  }

  function schedule(): void {
    if (stopped) return;
    const delay = failures === 0 ? pollMs : Math.min(pollMs * 2 ** failures, MAX_BACKOFF_MS);
    timer = setTimeout(runNow, delay);
    timer.unref();
  }

  return {
    kick,
    relayOnce,
    start: () => {
      stopped = false;
      kick();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(kickTimer);
      await running;
    },
  };
}

/** The header X-Request-Id carries the booking request's id to every consumer's log line. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

function requestHeaders(requestId: string | null) {
  if (!requestId) return undefined;
  const h = natsHeaders();
  h.set(REQUEST_ID_HEADER, requestId);
  return h;
}
