import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type LoginFailuresRepo = ReturnType<typeof createLoginFailuresRepo>;

/**
 * Failed logins per email in MySQL, so every replica counts the same attempts. An attempt is recorded
 * before it is judged (begin), then kept as a failure or removed (forget).
 */
export function createLoginFailuresRepo(pool: Pool) {
  return {
    /**
     * Records an attempt for email at `now` and answers how many attempts since windowStart there are,
     * this one included, and when the oldest of them was. Rows older than the window are pruned.
     * Each statement commits on its own (autocommit), so the count sees every attempt recorded before it
     * on any replica: among concurrent attempts, the n-th recorded counts at least n.
     */
    async begin(email: string, now: Date, windowStart: Date): Promise<{ id: number; count: number; oldest: Date }> {
      await pool.execute('DELETE FROM login_failures WHERE email = ? AND failed_at <= ?', [email, windowStart]);
      const [inserted] = await pool.execute<ResultSetHeader>(
        'INSERT INTO login_failures (email, failed_at) VALUES (?, ?)',
        [email, now],
      );
      const [rows] = await pool.execute<RowDataPacket[]>(
        'SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures WHERE email = ? AND failed_at > ?',
        [email, windowStart],
      );
      return { id: inserted.insertId, count: Number(rows[0]?.n ?? 1), oldest: (rows[0]?.oldest as Date) ?? now };
    },

    /** Removes one recorded attempt (it succeeded, or it was refused without being judged). */
    async forget(id: number): Promise<void> {
      await pool.execute('DELETE FROM login_failures WHERE id = ?', [id]);
    },
  };
}
