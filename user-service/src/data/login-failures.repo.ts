import { withTransaction } from '@ebs/service-kit/db';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

// Attempts are decided under two gate row locks, taken always in this order: the email's (login_gates), then
// the client address's (login_address_gates). So all attempts for one email, and all attempts from one
// address, are counted and recorded one at a time on any replica, and two attempts never wait on each other
// in a cycle. Everything runs in READ COMMITTED (no gap locks); a deadlock victim is run again by
// withTransaction.
const READ_COMMITTED = { isolationLevel: 'READ COMMITTED' } as const;

/** The three bounds of the login throttle (domain/login-throttle.ts has the policy and the numbers). */
export type ThrottleBound = 'email_address' | 'email' | 'address';

export type ThrottleLimits = Record<ThrottleBound, number>;

export type AttemptOutcome =
  | { recorded: true; id: number }
  /** Refused, nothing recorded: `since` is the failure whose ageing out lifts `bound` (the latest such). */
  | { recorded: false; bound: ThrottleBound; since: Date };

export type LoginFailuresRepo = ReturnType<typeof createLoginFailuresRepo>;

/** How often one attempt finds a gate row purged between creating it and locking it before giving up. */
const GATE_ATTEMPTS = 5;

/**
 * The bound (and its failure that has to age out first) that the attempts recorded since windowStart reach,
 * if any: for several, the one that lifts last. The n-th newest failure in the window, per bound: if it
 * exists, n are there already.
 */
async function reachedBound(
  db: Pick<Pool, 'query'> | PoolConnection,
  email: string,
  address: string,
  windowStart: Date,
  limits: ThrottleLimits,
): Promise<{ bound: ThrottleBound; since: Date } | undefined> {
  const nth = (n: number) => `LIMIT 1 OFFSET ${Math.max(0, Math.trunc(n) - 1)}`;
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT
       (SELECT failed_at FROM login_failures WHERE email = ? AND client_addr = ? AND failed_at > ?
         ORDER BY failed_at DESC ${nth(limits.email_address)}) AS email_address,
       (SELECT failed_at FROM login_failures WHERE email = ? AND failed_at > ?
         ORDER BY failed_at DESC ${nth(limits.email)}) AS email,
       (SELECT failed_at FROM login_failures WHERE client_addr = ? AND failed_at > ?
         ORDER BY failed_at DESC ${nth(limits.address)}) AS address`,
    [email, address, windowStart, email, windowStart, address, windowStart],
  );
  let reached: { bound: ThrottleBound; since: Date } | undefined;
  for (const bound of ['email_address', 'email', 'address'] as const) {
    const since = rows[0]?.[bound] as Date | null | undefined;
    if (since && (!reached || since > reached.since)) reached = { bound, since };
  }
  return reached;
}

/**
 * Failed logins per email and client address in MySQL, so every replica counts the same attempts. An attempt
 * is recorded before it is judged (record), then kept as a failure or removed (forget). Old rows and idle gate
 * rows are purged in batches (purgeFailuresBatch, purgeGatesBatch).
 */
export function createLoginFailuresRepo(pool: Pool) {
  /**
   * Locks both gate rows; answers which one is missing (never made, or purged since) instead. `make`: the rows
   * are made (or found) by this transaction itself, locked until it ends, so no purge can take them from under
   * it (INSERT ... ON DUPLICATE KEY UPDATE locks an existing row exclusively, as FOR UPDATE does).
   */
  async function lockGates(
    conn: PoolConnection,
    email: string,
    address: string,
    make = false,
  ): Promise<'gates' | undefined> {
    if (make) {
      await conn.execute('INSERT INTO login_gates (email) VALUES (?) ON DUPLICATE KEY UPDATE email = email', [email]);
      await conn.execute(
        'INSERT INTO login_address_gates (client_addr) VALUES (?) ON DUPLICATE KEY UPDATE client_addr = client_addr',
        [address],
      );
      return undefined;
    }
    const [emailGate] = await conn.execute<RowDataPacket[]>(
      'SELECT email FROM login_gates WHERE email = ? FOR UPDATE',
      [email],
    );
    if (emailGate.length === 0) return 'gates';
    const [addressGate] = await conn.execute<RowDataPacket[]>(
      'SELECT client_addr FROM login_address_gates WHERE client_addr = ? FOR UPDATE',
      [address],
    );
    return addressGate.length === 0 ? 'gates' : undefined;
  }

  /** Creates the gate rows (each committed on its own, so a locking read only ever locks an existing row). */
  async function openGates(email: string, address: string): Promise<void> {
    await withTransaction(
      pool,
      (conn) =>
        conn.execute('INSERT INTO login_gates (email) VALUES (?) ON DUPLICATE KEY UPDATE email = email', [email]),
      READ_COMMITTED,
    );
    await withTransaction(
      pool,
      (conn) =>
        conn.execute(
          'INSERT INTO login_address_gates (client_addr) VALUES (?) ON DUPLICATE KEY UPDATE client_addr = client_addr',
          [address],
        ),
      READ_COMMITTED,
    );
  }

  return {
    /**
     * Records an attempt for email from address at `now`, unless one of the bounds is reached: `limits.X`
     * attempts since windowStart already recorded for the email from this address (email_address), for the
     * email from all addresses (email), or from this address for all emails (address). Then answers the bound
     * and the failure that has to age out first (for several bounds, the one that lifts last).
     */
    async record(
      email: string,
      address: string,
      now: Date,
      windowStart: Date,
      limits: ThrottleLimits,
    ): Promise<AttemptOutcome> {
      // A bound already reached refuses at once, without waiting for the gate locks: under a flood of
      // attempts from one address or for one email, refusals then never queue on (or hold) a lock or a
      // connection for long. Safe without a lock: counts only grow under the locks, and a failure that ages
      // out or is forgotten meanwhile makes this the same as an attempt that came a moment earlier.
      const early = await reachedBound(pool, email, address, windowStart, limits);
      if (early) return { recorded: false, ...early };
      for (let attempt = 1; ; attempt++) {
        const outcome = await withTransaction(
          pool,
          async (conn): Promise<AttemptOutcome | 'gates'> => {
            // A gate purged again right after it was made (a purge pass between openGates and this): the rows
            // are made inside this transaction from the third attempt on.
            const missing = await lockGates(conn, email, address, attempt > 2);
            if (missing) return missing;
            // Now the count is exact: every attempt for this email, and every one from this address, waits.
            const refused = await reachedBound(conn, email, address, windowStart, limits);
            if (refused) return { recorded: false, ...refused };
            const [inserted] = await conn.execute<ResultSetHeader>(
              'INSERT INTO login_failures (email, client_addr, failed_at) VALUES (?, ?, ?)',
              [email, address, now],
            );
            return { recorded: true, id: inserted.insertId };
          },
          READ_COMMITTED,
        );
        if (outcome !== 'gates') return outcome;
        // A first attempt (or the purge removed an idle gate meanwhile): make the gates and decide again.
        if (attempt >= GATE_ATTEMPTS) throw new Error('login throttle: gate rows vanished on every attempt');
        await openGates(email, address);
      }
    },

    /**
     * Removes one recorded attempt (it succeeded). Needs no gate: a delete only lowers counts, and an attempt
     * deciding meanwhile saw the row either still there or gone, both of which happened.
     */
    async forget(id: number): Promise<void> {
      await pool.execute('DELETE FROM login_failures WHERE id = ?', [id]);
    },

    /** Deletes up to `limit` attempts recorded at or before `before`, oldest first; answers how many went. */
    async purgeFailuresBatch(before: Date, limit: number): Promise<number> {
      return withTransaction(
        pool,
        async (conn) => {
          // Single-table DELETE ... ORDER BY ... LIMIT works alike on MySQL 8 and MariaDB.
          const [result] = await conn.query<ResultSetHeader>(
            'DELETE FROM login_failures WHERE failed_at <= ? ORDER BY failed_at LIMIT ?',
            [before, limit],
          );
          return result.affectedRows;
        },
        READ_COMMITTED,
      );
    },

    /**
     * Deletes up to `limit` gate rows of one kind (email or address) that no recorded attempt refers to; answers
     * how many went. Deleting a gate is always safe: an attempt that finds its gate gone makes it again
     * (record), and one holding a gate's lock keeps it until it commits.
     */
    async purgeGatesBatch(kind: 'email' | 'address', limit: number): Promise<number> {
      const sql =
        kind === 'email'
          ? `DELETE FROM login_gates
              WHERE NOT EXISTS (SELECT 1 FROM login_failures f WHERE f.email = login_gates.email) LIMIT ?`
          : `DELETE FROM login_address_gates
              WHERE NOT EXISTS (SELECT 1 FROM login_failures f WHERE f.client_addr = login_address_gates.client_addr)
              LIMIT ?`;
      return withTransaction(
        pool,
        async (conn) => (await conn.query<ResultSetHeader>(sql, [limit]))[0].affectedRows,
        READ_COMMITTED,
      );
    },
  };
}
