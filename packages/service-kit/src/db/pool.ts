import mysql, { type ConnectionOptions, type Pool, type PoolConnection } from 'mysql2/promise';
import { z } from 'zod';

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

/** Each pool's readiness ping: its own connection (opened on the first ping) and the ping under way. */
type PingState = { options: ConnectionOptions; conn?: Promise<mysql.Connection>; inFlight?: Promise<void> };
const pingStates = new WeakMap<Pool, PingState>();

export function createPool(cfg: DbConfig): Pool {
  const connection: ConnectionOptions = {
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    database: cfg.database,
    connectTimeout: 5_000,
    // DATETIME columns hold UTC: Dates are written and read as UTC whatever the server's time zone.
    timezone: 'Z',
    charset: 'utf8mb4',
  };
  const pool = mysql.createPool({
    ...connection,
    connectionLimit: cfg.connectionLimit,
    maxIdle: cfg.connectionLimit,
    queueLimit: cfg.queueLimit,
    waitForConnections: true,
    enableKeepAlive: true,
  });
  pingStates.set(pool, { options: connection });
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

const PING_TIMEOUT_MS = 2_000;

/**
 * Readiness ping over a connection of its own, never through the pool: a pool busy to its last connection
 * (or with a full queue) is a replica doing its job, and must not turn every replica unready at peak.
 * A server that refuses new connections because it has too many (ER_CON_COUNT_ERROR) is busy, not down:
 * ready too. Concurrent pings share one round trip, so /ready cannot flood the server.
 */
export function pingDb(pool: Pool): Promise<void> {
  const state = pingStates.get(pool);
  if (!state) return pool.query('SELECT 1').then(() => undefined);
  state.inFlight ??= pingOnce(state).finally(() => {
    state.inFlight = undefined;
  });
  return state.inFlight;
}

async function pingOnce(state: PingState): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    state.conn ??= openPingConnection(state);
    const conn = state.conn;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness ping timed out')), PING_TIMEOUT_MS);
    });
    await Promise.race([conn.then((c) => c.query('SELECT 1')), timeout]);
  } catch (err) {
    // Next ping opens a new connection: this one failed, hung or was refused.
    dropPingConnection(state);
    if ((err as { code?: unknown }).code !== 'ER_CON_COUNT_ERROR') throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function openPingConnection(state: PingState): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ ...state.options, connectTimeout: PING_TIMEOUT_MS });
  conn.on('error', () => dropPingConnection(state));
  // It only answers /ready: it never keeps the process alive on its own (no close step needed).
  (conn as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
  return conn;
}

function dropPingConnection(state: PingState): void {
  const conn = state.conn;
  state.conn = undefined;
  conn?.then(
    (c) => c.destroy(),
    () => {},
  );
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
  // The server refuses this service's account (a wrong or rotated password): down for the client, not a bug.
  'ER_ACCESS_DENIED_ERROR',
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

/** The readiness check of MySQL: required, since no service can do its job without it (docs/api.md). */
export const mysqlCheck = (pool: Pool) => ({ name: 'mysql', check: () => pingDb(pool), required: true });

/** LOCK_WAIT_TIMEOUT_SECONDS, for services that take row locks: a lock wait past it fails (then 503). */
export const lockWaitEnvSchema = {
  LOCK_WAIT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
};
