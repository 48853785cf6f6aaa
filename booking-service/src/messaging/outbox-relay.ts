import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { REQUEST_ID_HEADER } from '@ebs/contracts';
import { withTransaction } from '@ebs/service-kit/db';
import type { NatsLink } from '@ebs/service-kit/messaging';
import type { Logger } from '@ebs/service-kit/observability';
import type { Pool } from 'mysql2/promise';
import { headers as natsHeaders } from 'nats';
import type { OutboxLease, OutboxMessage, OutboxRepo, OutboxRow } from '../data/outbox.repo';

export type RelayResult = { published: number; duplicates: number; failed: number };

export type OutboxRelay = {
  /** Publish what is due now (after a commit); coalesces with a pass already running. */
  kick: () => void;
  /**
   * A lease to write new rows with, so this relay publishes them right after their commit (`committed`)
   * and no claim transaction is needed: undefined while the relay is stopped, NATS is down or its last pass
   * failed (the rows are then written unclaimed and a poll or the reconnect's kick takes them).
   */
  lease: () => OutboxLease | undefined;
  /** Told after a commit with the rows it wrote: those leased to this relay join the next pass. */
  committed: (messages: OutboxMessage[]) => void;
  /** One pass: the committed rows handed over, and (when none wait or a poll is due) rows claimed from the outbox. */
  relayOnce: () => Promise<RelayResult>;
  /** Deletes published rows older than the retention, in batches; returns how many went. */
  purgeOnce: () => Promise<number>;
  start: () => void;
  /** Stops polling and waits for the pass in hand to finish; rows handed over and not yet sent are sent. */
  stop: () => Promise<void>;
};

const PUBLISH_TIMEOUT_MS = 2_000;
const MAX_BACKOFF_MS = 5_000;
const PURGE_EVERY_MS = 10 * 60_000;
const PURGE_BATCH = 1_000;
/** Handed-over rows wait in memory for at most this many batches; past that, new rows are written unleased. */
const MAX_HANDED_BATCHES = 4;
/**
 * The lease of handed-over rows: long enough for the few passes they may wait in memory, short so that the
 * rows of a replica killed between commit and publish are published by another within seconds.
 */
const HANDOVER_LEASE_MS = 10_000;
/** A handed-over row is published from memory only while its lease outlasts a publish by this much. */
const LEASE_MARGIN_MS = 1_000;

/**
 * Publishes outbox rows to JetStream, each with msgID = its msg_id, and marks them published only after
 * JetStream acknowledged them. Rows come two ways:
 *   - handed over: a booking group writes its rows leased to this relay (`lease`) and hands them over after
 *     the commit (`committed`); the relay publishes them from memory, with no claim transaction;
 *   - claimed: rows written unleased (NATS down, a cancellation) or left by a relay that died or failed are
 *     claimed with a lease (FOR UPDATE SKIP LOCKED + claimed_by/claim_until) in a short transaction that
 *     commits before anything is published: replicas share the work and no lock outlives the claim.
 * A pass publishes all its rows at once and awaits the acks together (a group's messages in one pass), then
 * marks the acked rows published and the others due again later (one UPDATE each; a failed pass also
 * releases what waits in memory). A relay that dies leaves its rows leased until the lease ends (handed-over
 * rows: HANDOVER_LEASE_MS, claimed ones: leaseMs); another then publishes them and JetStream's duplicate
 * window drops whatever was already in. Runs right after each commit (kick) and every pollMs for leftovers
 * (a due poll keeps a quarter of the batch for them, so a busy relay still claims); backs off while NATS
 * fails. Published rows older than retentionHours are purged.
 */
export function createOutboxRelay(deps: {
  pool: Pool;
  outbox: OutboxRepo;
  nats: NatsLink;
  logger: Logger;
  pollMs: number;
  batchSize: number;
  leaseMs: number;
  retentionHours: number;
}): OutboxRelay {
  const { pool, outbox, nats, logger, pollMs, batchSize } = deps;
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`.slice(0, 100);
  const encoder = new TextEncoder();
  let timer: NodeJS.Timeout | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let failures = 0;
  /** Committed rows leased to this relay, waiting for the next pass. */
  const handedOver: OutboxRow[] = [];
  let lastClaimAt = 0;

  /**
   * Everything waiting in memory is released (due at `at`, attempts untouched), so nothing waits for this
   * relay's lease; if MySQL fails, the rows stay in line. Returns how many were released.
   */
  async function releaseWaiting(at: Date): Promise<number> {
    const waiting = handedOver.splice(0);
    try {
      await outbox.release(
        owner,
        waiting.map((r) => r.msgId),
        at,
      );
    } catch (err) {
      handedOver.unshift(...waiting);
      throw err;
    }
    return waiting.length;
  }

  async function relayOnce(opts: { claim: boolean } = { claim: true }): Promise<RelayResult> {
    const nc = nats.connection();
    if (!nc || !nats.isConnected()) {
      // Their lease ends now: once NATS is back, a claim (the reconnect's kick) publishes them.
      return { published: 0, duplicates: 0, failed: await releaseWaiting(new Date()) };
    }
    const js = nc.jetstream();
    const pollDue = opts.claim && Date.now() - lastClaimAt >= pollMs;
    // A poll that is due keeps a quarter of the batch for leftovers, so a busy replica still claims them.
    // Rows whose lease would end before a publish could be acked are left to the claim (no double publish).
    const publishBy = Date.now() + PUBLISH_TIMEOUT_MS + LEASE_MARGIN_MS;
    const handed = handedOver
      .splice(0, pollDue ? batchSize - Math.ceil(batchSize / 4) : batchSize)
      .filter((r) => (r.leaseUntil ?? Number.POSITIVE_INFINITY) > publishBy);
    /** Rows whose outcome is not written yet: they go back in line if MySQL fails (a re-publish is a duplicate). */
    let unsettled = handed;
    try {
      const rows = [...handed];
      if (opts.claim && (handed.length === 0 || pollDue)) {
        const now = new Date();
        lastClaimAt = now.getTime();
        const limit = batchSize - rows.length;
        const claimed = await withTransaction(
          pool,
          (conn) => outbox.claimDue(conn, owner, limit, now, new Date(now.getTime() + deps.leaseMs)),
          { isolationLevel: 'READ COMMITTED' },
        );
        rows.push(...claimed);
        if (claimed.length === limit) again = true; // more may be waiting
      }
      if (handedOver.length > 0) again = true;
      if (rows.length === 0) return { published: 0, duplicates: 0, failed: 0 };
      const outcomes = await Promise.allSettled(
        rows.map((row) =>
          js.publish(row.subject, encoder.encode(row.payload), {
            msgID: row.msgId,
            timeout: PUBLISH_TIMEOUT_MS,
            headers: requestHeaders(row.requestId),
          }),
        ),
      );
      const publishedIds: string[] = [];
      const failedIds: string[] = [];
      let duplicates = 0;
      let firstError = '';
      let maxAttempts = 0;
      for (const [i, outcome] of outcomes.entries()) {
        const row = rows[i];
        if (!row) continue;
        if (outcome.status === 'fulfilled') {
          publishedIds.push(row.msgId);
          if (outcome.value.duplicate) duplicates++;
        } else {
          failedIds.push(row.msgId);
          firstError ||= String(outcome.reason?.message ?? outcome.reason);
          maxAttempts = Math.max(maxAttempts, row.attempts);
        }
      }
      await outbox.markPublished(publishedIds, new Date());
      const failed = new Set(failedIds);
      unsettled = handed.filter((r) => failed.has(r.msgId));
      if (failedIds.length === 0) return { published: publishedIds.length, duplicates, failed: 0 };
      const retryAt = new Date(Date.now() + Math.min(pollMs * 2 ** maxAttempts, MAX_BACKOFF_MS));
      await outbox.markFailed(owner, failedIds, firstError, retryAt);
      unsettled = [];
      // NATS failing: what was handed over meanwhile is released too (due with these), so rows never pile up
      // in memory while publishes time out; until a pass succeeds, no new lease is given.
      const released = await releaseWaiting(retryAt);
      return { published: publishedIds.length, duplicates, failed: failedIds.length + released };
    } catch (err) {
      // MySQL failed mid-pass: rows whose outcome was not written go back in line (their lease still guards
      // them; one that runs out is left to the claim by the filter above).
      handedOver.unshift(...unsettled);
      throw err;
    }
  }

  async function purgeOnce(): Promise<number> {
    const before = new Date(Date.now() - deps.retentionHours * 3_600_000);
    let total = 0;
    // Short batches, so a purge never holds many row locks; at most 100 of them per run.
    for (let i = 0; i < 100; i++) {
      const n = await outbox.purgePublished(before, PURGE_BATCH);
      total += n;
      if (n < PURGE_BATCH) break;
    }
    return total;
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
      } catch (err) {
        failures++;
        logger.warn({ err: (err as Error).message }, 'outbox relay pass failed, will retry');
      }
    } while (again && !stopped && failures === 0);
  }

  // Commits arriving within a few milliseconds are published in one pass (one UPDATE marks them all).
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
      // A kick that came after the pass's last look (it only set `again`) is served now, not at the next poll.
      if (again && failures === 0 && !stopped) {
        again = false;
        kick();
      } else schedule();
    });
  }

  function schedule(): void {
    if (stopped) return;
    const delay = failures === 0 ? pollMs : Math.min(pollMs * 2 ** failures, MAX_BACKOFF_MS);
    timer = setTimeout(runNow, delay);
    timer.unref();
  }

  function purgeLater(): void {
    purgeTimer = setTimeout(() => {
      purgeOnce()
        .then((n) => n > 0 && logger.info({ purged: n }, 'published outbox rows past retention purged'))
        .catch((err) => logger.warn({ err: (err as Error).message }, 'outbox purge failed, will retry'))
        .finally(() => !stopped && purgeLater());
    }, PURGE_EVERY_MS);
    purgeTimer.unref();
  }

  return {
    kick,
    lease: () =>
      stopped || failures > 0 || !nats.isConnected() || handedOver.length >= MAX_HANDED_BATCHES * batchSize
        ? undefined
        : { owner, until: new Date(Date.now() + HANDOVER_LEASE_MS) },
    committed: (messages) => {
      const rows: OutboxRow[] = [];
      for (const m of messages) {
        if (m.lease?.owner !== owner) continue;
        rows.push({
          msgId: m.msgId,
          subject: m.subject,
          payload: JSON.stringify(m.payload),
          attempts: 0,
          requestId: m.requestId ?? null,
          leaseUntil: m.lease.until.getTime(),
        });
      }
      if (rows.length === 0) return; // written unleased: a poll claims them
      handedOver.push(...rows);
      if (!stopped) {
        kick();
        return;
      }
      // Committed after stop() drained: released now, for a replica or the next start to publish.
      releaseWaiting(new Date()).catch((err) =>
        logger.warn({ err: (err as Error).message }, 'outbox release after stop failed; the lease will end'),
      );
    },
    relayOnce,
    purgeOnce,
    start: () => {
      stopped = false;
      kick();
      purgeLater();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(kickTimer);
      clearTimeout(purgeTimer);
      await running;
      // Rows handed over and not sent yet: sent now (or released at once when NATS is down), not left leased.
      while (handedOver.length > 0) {
        const r = await relayOnce({ claim: false }).catch((err) => {
          logger.warn({ err: (err as Error).message }, 'outbox relay pass failed at stop');
          return undefined;
        });
        if (!r) break;
      }
    },
  };
}

function requestHeaders(requestId: string | null) {
  if (!requestId) return undefined;
  const h = natsHeaders();
  h.set(REQUEST_ID_HEADER, requestId);
  return h;
}
