import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';

export type OutboxMessage = {
  msgId: string;
  subject: string;
  payload: unknown;
  createdAt: Date;
  /** The X-Request-Id of the request that wrote it; published as the message header X-Request-Id. */
  requestId?: string;
};
export type OutboxRow = {
  id: number;
  msgId: string;
  subject: string;
  payload: string;
  attempts: number;
  requestId: string | null;
};

type Row = RowDataPacket & {
  id: number;
  msg_id: string;
  subject: string;
  payload: string;
  attempts: number;
  request_id: string | null;
};

export const outboxRepo = {
  /** Inside the booking's transaction: the message exists exactly when the booking does. */
  async insert(conn: PoolConnection, m: OutboxMessage): Promise<void> {
    await conn.execute(
      'INSERT INTO outbox (msg_id, subject, payload, created_at, next_attempt_at, request_id) VALUES (?, ?, ?, ?, ?, ?)',
      [m.msgId, m.subject, JSON.stringify(m.payload), m.createdAt, m.createdAt, m.requestId ?? null],
    );
  },

  /**
   * Locks up to `limit` unpublished rows that are due, oldest first, skipping rows another relay (another
   * replica) has locked, so replicas share the work without waiting on each other.
   */
  async claimDue(conn: PoolConnection, limit: number, now: Date): Promise<OutboxRow[]> {
    const [rows] = await conn.query<Row[]>(
      `SELECT id, msg_id, subject, payload, attempts, request_id FROM outbox
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
      requestId: r.request_id,
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

export type OutboxBacklog = { backlog: number; oldestAgeSeconds: number };

/**
 * Unpublished rows and the age of the oldest, for the metrics scrape. Both read the (published_at, id) index;
 * the count stops at 1,000,000 so a huge backlog cannot make a scrape slow.
 */
export async function outboxBacklog(pool: Pool): Promise<OutboxBacklog> {
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
}
