import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type OutboxMessage = {
  msgId: string;
  subject: string;
  payload: unknown;
  createdAt: Date;
  /** The X-Request-Id of the request that wrote it; published as the message header X-Request-Id. */
  requestId?: string;
  /** Written already leased to this relay (it publishes the row right after the commit); else unclaimed. */
  lease?: OutboxLease;
};
/** A relay's claim on rows: no other relay takes them before `until` (a relay that died: they are free then). */
export type OutboxLease = { owner: string; until: Date };
/** A row as the relay publishes it (msg_id is unique: rows are named by it). */
export type OutboxRow = {
  msgId: string;
  subject: string;
  payload: string;
  attempts: number;
  requestId: string | null;
  /** Handed-over rows: when their lease (written with the row) ends, in ms since the epoch. */
  leaseUntil?: number;
};

type Row = RowDataPacket & {
  id: number;
  msg_id: string;
  subject: string;
  payload: string;
  attempts: number;
  request_id: string | null;
};

export type OutboxBacklog = { backlog: number; oldestAgeSeconds: number };

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;

/**
 * The outbox table. Functions that take a connection run inside the caller's transaction (the booking's or
 * the relay's claim); the others run on the pool (autocommit).
 */
export function createOutboxRepo(pool: Pool) {
  return {
    /** Inside the booking group's transaction, one multi-row INSERT: a message exists exactly when its booking does. */
    async insertMany(conn: PoolConnection, messages: OutboxMessage[]): Promise<void> {
      if (messages.length === 0) return;
      await conn.query(
        `INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at, request_id, claimed_by, claim_until)
        VALUES ?`,
        [
          messages.map((m) => [
            m.msgId,
            m.subject,
            JSON.stringify(m.payload),
            m.createdAt,
            m.createdAt,
            m.requestId ?? null,
            m.lease?.owner ?? null,
            m.lease?.until ?? null,
          ]),
        ],
      );
    },

    /**
     * Locks up to `limit` unpublished rows that are due and not leased by a live claim, oldest first, skipping
     * rows another relay is claiming right now (FOR UPDATE SKIP LOCKED), then leases them to `owner` until
     * `until`. Runs in a short transaction of its own: commit releases the locks before anything is published.
     */
    async claimDue(conn: PoolConnection, owner: string, limit: number, now: Date, until: Date): Promise<OutboxRow[]> {
      const [rows] = await conn.query<Row[]>(
        `SELECT id, msg_id, subject, payload, attempts, request_id FROM outbox
        WHERE published_at IS NULL AND next_attempt_at <= ? AND (claim_until IS NULL OR claim_until <= ?)
        ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [now, now, limit],
      );
      if (rows.length === 0) return [];
      await conn.query('UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE id IN (?)', [
        owner,
        until,
        rows.map((r) => r.id),
      ]);
      return rows.map((r) => ({
        msgId: r.msg_id,
        subject: r.subject,
        payload: r.payload,
        attempts: r.attempts,
        requestId: r.request_id,
      }));
    },

    /** After JetStream's acks, one UPDATE (autocommit, no row lock held across the publish). */
    async markPublished(msgIds: string[], at: Date): Promise<void> {
      if (msgIds.length === 0) return;
      await pool.query(
        'UPDATE outbox SET published_at = ?, claimed_by = NULL, claim_until = NULL WHERE msg_id IN (?)',
        [at, msgIds],
      );
    },

    /**
     * Publishing failed: the lease ends, the rows are due again at retryAt. Only rows still leased to `owner`
     * (or to no one): a lease that ran out and was taken by another relay is left to that relay.
     */
    async markFailed(owner: string, msgIds: string[], error: string, retryAt: Date): Promise<void> {
      if (msgIds.length === 0) return;
      await pool.query(
        `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL,
          claim_until = NULL WHERE msg_id IN (?) AND (claimed_by = ? OR claimed_by IS NULL) AND published_at IS NULL`,
        [error.slice(0, 500), retryAt, msgIds, owner],
      );
    },

    /** Rows leased to `owner` and not tried: the lease ends, they are due at `at`; attempts stay as they are. */
    async release(owner: string, msgIds: string[], at: Date): Promise<void> {
      if (msgIds.length === 0) return;
      await pool.query(
        `UPDATE outbox SET next_attempt_at = ?, claimed_by = NULL, claim_until = NULL
        WHERE msg_id IN (?) AND claimed_by = ? AND published_at IS NULL`,
        [at, msgIds, owner],
      );
    },

    /** Retention: deletes up to `limit` rows published before `before`; returns how many went. */
    async purgePublished(before: Date, limit: number): Promise<number> {
      const [result] = await pool.query<ResultSetHeader>('DELETE FROM outbox WHERE published_at < ? LIMIT ?', [
        before,
        limit,
      ]);
      return result.affectedRows;
    },

    /**
     * Unpublished rows and the age of the oldest, for the metrics scrape. Both read the (published_at, id) index;
     * the count stops at 1,000,000 so a huge backlog cannot make a scrape slow.
     */
    async backlog(): Promise<OutboxBacklog> {
      const [count] = await pool.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1000000) pending',
      );
      const [oldest] = await pool.query<RowDataPacket[]>(
        'SELECT created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1',
      );
      const createdAt = oldest[0]?.created_at as Date | undefined;
      return {
        backlog: Number(count[0]?.n ?? 0),
        oldestAgeSeconds: createdAt ? Math.max(0, (Date.now() - createdAt.getTime()) / 1000) : 0,
      };
    },
  };
}
