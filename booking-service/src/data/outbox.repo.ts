import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type OutboxMessage = { msgId: string; subject: string; payload: unknown; createdAt: Date };
export type OutboxRow = { id: number; msgId: string; subject: string; payload: string; attempts: number };

type Row = RowDataPacket & { id: number; msg_id: string; subject: string; payload: string; attempts: number };

export const outboxRepo = {
  /** Inside the booking group's transaction, one multi-row INSERT: a message exists exactly when its booking does. */
  async insertMany(conn: PoolConnection, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await conn.query('INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at) VALUES ?', [
      messages.map((m) => [m.msgId, m.subject, JSON.stringify(m.payload), m.createdAt, m.createdAt]),
    ]);
  },

  /**
   * Locks up to `limit` unpublished rows that are due and not leased by a live claim, oldest first, skipping
   * rows another relay is claiming right now (FOR UPDATE SKIP LOCKED), then leases them to `owner` until
   * `until`. Runs in a short transaction of its own: commit releases the locks before anything is published.
   */
  async claimDue(conn: PoolConnection, owner: string, limit: number, now: Date, until: Date): Promise<OutboxRow[]> {
    const [rows] = await conn.query<Row[]>(
      `SELECT id, msg_id, subject, payload, attempts FROM outbox
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
      id: Number(r.id),
      msgId: r.msg_id,
      subject: r.subject,
      payload: r.payload,
      attempts: r.attempts,
    }));
  },

  /** After JetStream's acks, one UPDATE (autocommit, no row lock held across the publish). */
  async markPublished(pool: Pool, ids: number[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await pool.query('UPDATE outbox SET published_at = ?, claimed_by = NULL, claim_until = NULL WHERE id IN (?)', [
      at,
      ids,
    ]);
  },

  /** Publishing failed: the lease ends, the rows are due again at retryAt. */
  async markFailed(pool: Pool, ids: number[], error: string, retryAt: Date): Promise<void> {
    if (ids.length === 0) return;
    await pool.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL,
          claim_until = NULL WHERE id IN (?)`,
      [error.slice(0, 500), retryAt, ids],
    );
  },

  /** Retention: deletes up to `limit` rows published before `before`; returns how many went. */
  async purgePublished(pool: Pool, before: Date, limit: number): Promise<number> {
    const [result] = await pool.query<ResultSetHeader>('DELETE FROM outbox WHERE published_at < ? LIMIT ?', [
      before,
      limit,
    ]);
    return result.affectedRows;
  },
};
