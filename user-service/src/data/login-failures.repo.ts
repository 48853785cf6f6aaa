import { withTransaction } from '@ebs/service-kit/db';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

// Every write for an email runs under its gate row lock, in READ COMMITTED (no gap locks): attempts for one
// email queue on that row, attempts for different emails never block each other. A deadlock victim is run
// again by withTransaction.
const READ_COMMITTED = { isolationLevel: 'READ COMMITTED' } as const;

export type LoginFailuresRepo = ReturnType<typeof createLoginFailuresRepo>;

export type AttemptOutcome = { recorded: true; id: number } | { recorded: false; oldest: Date };

/**
 * Failed logins per email in MySQL, so every replica counts the same attempts. An attempt is recorded
 * before it is judged (record), then kept as a failure or removed (forget).
 */
export function createLoginFailuresRepo(pool: Pool) {
  return {
    /**
     * Records an attempt for email at `now` unless `max` attempts since windowStart are recorded already
     * (then answers when the oldest of them was). Attempts for one email are decided one at a time on
     * any replica: each takes the row lock of the email's gate row for its count-and-insert.
     */
    async record(email: string, now: Date, windowStart: Date, max: number): Promise<AttemptOutcome> {
      // Committed on its own first, so the locking read below only ever locks an existing row (no gap locks,
      // no deadlock between two first attempts).
      await withTransaction(
        pool,
        (conn) =>
          conn.execute('INSERT INTO login_gates (email) VALUES (?) ON DUPLICATE KEY UPDATE email = email', [email]),
        READ_COMMITTED,
      );
      return withTransaction(
        pool,
        async (conn): Promise<AttemptOutcome> => {
          await conn.execute('SELECT email FROM login_gates WHERE email = ? FOR UPDATE', [email]);
          await conn.execute('DELETE FROM login_failures WHERE email = ? AND failed_at <= ?', [email, windowStart]);
          const [rows] = await conn.execute<RowDataPacket[]>(
            'SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures WHERE email = ? AND failed_at > ?',
            [email, windowStart],
          );
          if (Number(rows[0]?.n ?? 0) >= max) return { recorded: false, oldest: rows[0]?.oldest as Date };
          const [inserted] = await conn.execute<ResultSetHeader>(
            'INSERT INTO login_failures (email, failed_at) VALUES (?, ?)',
            [email, now],
          );
          return { recorded: true, id: inserted.insertId };
        },
        READ_COMMITTED,
      );
    },

    /** Removes one recorded attempt (it succeeded). */
    async forget(email: string, id: number): Promise<void> {
      await withTransaction(
        pool,
        async (conn) => {
          await conn.execute('SELECT email FROM login_gates WHERE email = ? FOR UPDATE', [email]);
          await conn.execute('DELETE FROM login_failures WHERE id = ?', [id]);
        },
        READ_COMMITTED,
      );
    },
  };
}
