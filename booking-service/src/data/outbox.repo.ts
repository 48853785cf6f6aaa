import type { PoolConnection, RowDataPacket } from 'mysql2/promise';

export type OutboxMessage = { msgId: string; subject: string; payload: unknown; createdAt: Date };
export type OutboxRow = { id: number; msgId: string; subject: string; payload: string; attempts: number };

type Row = RowDataPacket & { id: number; msg_id: string; subject: string; payload: string; attempts: number };

export const outboxRepo = {
  /** Inside the booking's transaction: the message exists exactly when the booking does. */
  async insert(conn: PoolConnection, m: OutboxMessage): Promise<void> {
    await conn.execute(
      'INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)',
      [m.msgId, m.subject, JSON.stringify(m.payload), m.createdAt, m.createdAt],
    );
  },

  /**
   * Locks up to `limit` unpublished rows that are due, oldest first, skipping rows another relay (another
   * replica) has locked, so replicas share the work without waiting on each other.
   */
  async claimDue(conn: PoolConnection, limit: number, now: Date): Promise<OutboxRow[]> {
    const [rows] = await conn.query<Row[]>(
      `SELECT id, msg_id, subject, payload, attempts FROM outbox
        WHERE published_at IS NULL AND next_attempt_at <= ?
        ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      msgId: r.msg_id,
      subject: r.subject,
      payload: r.payload,
      attempts: r.attempts,
    }));
  },

  async markPublished(conn: PoolConnection, ids: number[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await conn.query('UPDATE outbox SET published_at = ? WHERE id IN (?)', [at, ids]);
  },

  async markFailed(conn: PoolConnection, id: number, error: string, retryAt: Date): Promise<void> {
    await conn.execute('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?', [
      error.slice(0, 500),
      retryAt,
      id,
    ]);
  },
};
