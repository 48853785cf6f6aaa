import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

/** What a key made: a booking (a hold or not) or a waitlist entry. */
export type KeyKind = 'booking' | 'waitlist';

/**
 * What a remembered Idempotency-Key stands for: the request's fingerprint (kind, eventId, quantity, hold) and
 * what it made (`resourceId`: the booking's or the waitlist entry's id).
 */
export type IdempotencyRecord = {
  userId: string;
  key: string;
  kind: KeyKind;
  eventId: string;
  quantity: number;
  hold: boolean;
  resourceId: string;
  createdAt: Date;
};

type Row = RowDataPacket & {
  user_id: string;
  idem_key: string;
  event_id: string;
  quantity: number;
  kind: KeyKind;
  hold: number;
  booking_id: string;
  created_at: Date;
};

const toRecord = (r: Row): IdempotencyRecord => ({
  userId: r.user_id,
  key: r.idem_key,
  eventId: r.event_id,
  quantity: Number(r.quantity),
  kind: r.kind,
  hold: Number(r.hold) === 1,
  resourceId: r.booking_id,
  createdAt: r.created_at,
});

export type IdempotencyRepo = ReturnType<typeof createIdempotencyRepo>;

/** The idempotency_keys table: `claim` runs inside the booking's (or waitlist join's) transaction, the others on the pool. */
export function createIdempotencyRepo(pool: Pool) {
  return {
    async find(userId: string, key: string): Promise<IdempotencyRecord | undefined> {
      const [rows] = await pool.execute<Row[]>(
        'SELECT user_id, idem_key, kind, event_id, quantity, hold, booking_id, created_at FROM idempotency_keys WHERE user_id = ? AND idem_key = ?',
        [userId, key],
      );
      return rows[0] && toRecord(rows[0]);
    },

    /**
     * Inside the booking's transaction: remembers the key, or returns false when (user, key) is already taken
     * by a committed booking (or waitlist entry). A concurrent holder of the same key (another replica's transaction in flight)
     * makes this wait on the primary key until it commits (then false) or rolls back (then true). Only this
     * statement is undone on a duplicate (InnoDB statement rollback): a group transaction goes on with its
     * other requests. `expiredAt`: a row of this key created at or before that counts as absent and is replaced.
     */
    async claim(conn: PoolConnection, r: IdempotencyRecord, expiredAt?: Date): Promise<boolean> {
      if (expiredAt) {
        await conn.execute('DELETE FROM idempotency_keys WHERE user_id = ? AND idem_key = ? AND created_at <= ?', [
          r.userId,
          r.key,
          expiredAt,
        ]);
      }
      try {
        await conn.execute(
          // booking_id holds the resource's id (a waitlist entry's when kind is 'waitlist'; column named by 008).
          'INSERT INTO idempotency_keys (user_id, idem_key, kind, event_id, quantity, hold, booking_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [r.userId, r.key, r.kind, r.eventId, r.quantity, r.hold ? 1 : 0, r.resourceId, r.createdAt],
        );
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ER_DUP_ENTRY') return false;
        throw err;
      }
    },

    /**
     * True when another transaction in flight holds this key's row (it claimed the key and has not committed):
     * a locking read that does not wait (FOR UPDATE NOWAIT; MySQL 8 answers ER_LOCK_NOWAIT, MariaDB
     * ER_LOCK_WAIT_TIMEOUT at once). Under READ COMMITTED an absent row locks nothing.
     */
    async heldElsewhere(conn: PoolConnection, userId: string, key: string): Promise<boolean> {
      try {
        await conn.execute(
          'SELECT user_id FROM idempotency_keys WHERE user_id = ? AND idem_key = ? FOR UPDATE NOWAIT',
          [userId, key],
        );
        return false;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'ER_LOCK_NOWAIT') return true;
        if (code !== 'ER_LOCK_WAIT_TIMEOUT') throw err;
        // MariaDB's NOWAIT answer. Only the statement is undone, unless innodb_rollback_on_timeout is ON (then
        // the whole transaction was, and the batch must not go on as if it held its locks).
        const [rows] = await conn.query<RowDataPacket[]>('SELECT @@innodb_rollback_on_timeout AS whole');
        if (Number(rows[0]?.whole) !== 0) throw err;
        return true;
      }
    },

    /** Deletes up to `limit` rows created at or before `before`, oldest first; returns how many went. */
    async purgeBatch(before: Date, limit: number): Promise<number> {
      // DELETE ... ORDER BY ... LIMIT (single table) works alike on MySQL 8 and MariaDB; short batches keep
      // each transaction's locks small next to live bookings.
      const [result] = await pool.query<ResultSetHeader>(
        'DELETE FROM idempotency_keys WHERE created_at <= ? ORDER BY created_at LIMIT ?',
        [before, limit],
      );
      return result.affectedRows;
    },
  };
}
