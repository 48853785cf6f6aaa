import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';

export type DbConfig = {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Connections in the pool. */
  connectionLimit: number;
  /** Requests that may wait for a connection (a memory bound); one more fails fast ("Queue limit reached") -> 503. */
  queueLimit: number;
  /**
   * Bound on each row-lock wait (innodb_lock_wait_timeout, whole seconds), set once on every new
   * connection; past it the statement fails with ER_LOCK_WAIT_TIMEOUT, answered 503.
   */
  lockWaitTimeoutSeconds?: number;
};

export function createPool(cfg: DbConfig): Pool {
  const pool = mysql.createPool({
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    database: cfg.database,
    connectionLimit: cfg.connectionLimit,
    maxIdle: cfg.connectionLimit,
    queueLimit: cfg.queueLimit,
    waitForConnections: true,
    connectTimeout: 5_000,
    enableKeepAlive: true,
    // DATETIME columns hold UTC: Dates are written and read as UTC whatever the server's time zone.
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  if (cfg.lockWaitTimeoutSeconds !== undefined) {
    const seconds = cfg.lockWaitTimeoutSeconds;
    // Queued on the connection before any caller's statement, so it costs no round trip per transaction.
    pool.on('connection', (conn) => {
      conn.query(`SET SESSION innodb_lock_wait_timeout = ${Math.trunc(seconds)}`);
    });
  }
  return pool;
}

export type TransactionOptions = {
  /** Attempts when the server picks this transaction as a deadlock victim (it is safe to run again). */
  deadlockAttempts?: number;
  /** E.g. READ COMMITTED, so a locking scan keeps no locks on rows it read but did not take. */
  isolationLevel?: 'READ COMMITTED' | 'REPEATABLE READ';
};

/**
 * Runs fn in one transaction on one connection, which is always released. Rolls back on any error;
 * a deadlock victim is run again, up to deadlockAttempts in all.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (conn: PoolConnection) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const attempts = opts.deadlockAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const conn = await pool.getConnection();
    try {
      if (opts.isolationLevel) await conn.query(`SET TRANSACTION ISOLATION LEVEL ${opts.isolationLevel}`);
      await conn.beginTransaction();
      const result = await fn(conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => {
        // The connection may be gone; the server rolls the transaction back on its own then.
      });
      if ((err as { code?: unknown }).code === 'ER_LOCK_DEADLOCK' && attempt < attempts) continue;
      throw err;
    } finally {
      conn.release();
    }
  }
}

export async function pingDb(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
]);

/** True when a MySQL error means "the database cannot serve us now" (answered 503), not a bug. */
export function isDbUnavailable(err: unknown): boolean {
  // Duck-typed, not instanceof: errors may come from another realm (jest's sandbox, for one).
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return typeof message === 'string' && /^(Queue limit reached|Pool is closed)/.test(message);
}
