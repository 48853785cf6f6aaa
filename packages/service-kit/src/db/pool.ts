import type { Socket } from 'node:net';
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
  /**
   * Bound (ms) on every transaction of this pool (withTransaction, from asking for a connection to COMMIT's
   * answer) and on every statement run on the pool itself (pool.query, pool.execute). Past it the connection is
   * destroyed, never reused, and its server session killed from another connection when MySQL answers there
   * (MySQL rolls its transaction back); the caller gets TransactionTimeout, or the outcome of a COMMIT that was
   * sent (withTransaction's commitCheck). While a transaction is open its session's wait_timeout,
   * net_read_timeout and net_write_timeout are this many seconds (rounded up), so a client that vanished without
   * a word (a partition) holds its locks no longer than that. Unset: nothing is bounded.
   */
  deadlineMs?: number;
};

/** TCP keepalive of every connection: the first probe after this long without traffic (the OS default is 2 h). */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

/** What the module keeps per pool: its readiness ping and its deadline. */
type PoolState = { ping: PingState; deadlineMs?: number };
/** A pool's readiness ping: its own connection (opened on the first ping) and the ping under way. */
type PingState = { options: ConnectionOptions; conn?: Promise<mysql.Connection>; inFlight?: Promise<void> };
const poolStates = new WeakMap<Pool, PoolState>();

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
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_INITIAL_DELAY_MS,
  };
  const pool = mysql.createPool({
    ...connection,
    connectionLimit: cfg.connectionLimit,
    maxIdle: cfg.connectionLimit,
    queueLimit: cfg.queueLimit,
    waitForConnections: true,
  });
  poolStates.set(pool, { ping: { options: connection }, deadlineMs: cfg.deadlineMs });
  if (cfg.lockWaitTimeoutSeconds !== undefined) {
    const seconds = cfg.lockWaitTimeoutSeconds;
    // Queued on the connection before any caller's statement, so it costs no round trip per transaction.
    pool.on('connection', (conn) => {
      conn.query(`SET SESSION innodb_lock_wait_timeout = ${Math.trunc(seconds)}`);
    });
  }
  if (cfg.deadlineMs !== undefined) boundPoolStatements(pool, cfg.deadlineMs);
  return pool;
}

/** A transaction (or a statement) that did not finish within its deadline: its connection was destroyed. */
export class TransactionTimeout extends Error {
  readonly code = 'TRANSACTION_TIMEOUT';
  constructor(ms: number) {
    super(`MySQL did not answer within ${ms} ms: the connection was closed`);
    this.name = 'TransactionTimeout';
  }
}

/**
 * COMMIT was sent but its answer never came (the connection failed or the deadline passed), and whether it was
 * applied could not be found out either: the caller cannot say what happened.
 */
export class CommitOutcomeUnknown extends Error {
  readonly code = 'COMMIT_OUTCOME_UNKNOWN';
  constructor(
    readonly commitError: unknown,
    readonly checkError: unknown,
  ) {
    super('The outcome of a COMMIT is unknown: its answer was lost and MySQL could not be asked');
    this.name = 'CommitOutcomeUnknown';
  }
}

export type TransactionOptions = {
  /** Attempts when the server picks this transaction as a deadlock victim (it is safe to run again). */
  deadlockAttempts?: number;
  /** E.g. READ COMMITTED, so a locking scan keeps no locks on rows it read but did not take. */
  isolationLevel?: 'READ COMMITTED' | 'REPEATABLE READ';
  /** Overrides the pool's deadline (DbConfig.deadlineMs) for this transaction. */
  deadlineMs?: number;
  /**
   * How to learn whether this transaction committed when COMMIT was sent and its answer was lost (the connection
   * failed or the deadline passed): run on another connection, in a READ COMMITTED transaction of its own, after
   * the old session was killed (when MySQL answers). It must first lock a row the transaction held locked (so it
   * waits for the old transaction to end), then return whether the transaction's writes are there. true:
   * withTransaction returns fn's result as if COMMIT had answered; false: it throws the commit's error (nothing
   * was written). Without it, or when the check fails too: CommitOutcomeUnknown.
   */
  commitCheck?: (conn: PoolConnection) => Promise<boolean>;
};

/**
 * Runs fn in one transaction on one connection, which is always released (or destroyed). Rolls back on any
 * error; a deadlock victim is run again, up to deadlockAttempts in all. With a deadline (the pool's or
 * opts.deadlineMs) the whole transaction is bounded: see DbConfig.deadlineMs; a COMMIT whose answer is lost is
 * settled by opts.commitCheck.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (conn: PoolConnection) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const attempts = opts.deadlockAttempts ?? 3;
  const deadlineMs = opts.deadlineMs ?? poolStates.get(pool)?.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactionOnce(pool, fn, opts, deadlineMs);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ER_LOCK_DEADLOCK' && attempt < attempts) continue;
      throw err;
    }
  }
}

async function transactionOnce<T>(
  pool: Pool,
  fn: (conn: PoolConnection) => Promise<T>,
  opts: TransactionOptions,
  deadlineMs: number | undefined,
): Promise<T> {
  const bound = deadlineMs === undefined ? undefined : new Deadline(deadlineMs);
  const conn = await getConnection(pool, bound);
  const guard = new ConnectionGuard(conn, bound);
  let commitSent = false;
  let result: T | undefined;
  try {
    if (bound) {
      const s = Math.max(1, Math.ceil(bound.ms / 1000));
      guard.sessionBounded = true;
      await guard.run(() =>
        conn.query(`SET SESSION wait_timeout = ${s}, net_read_timeout = ${s}, net_write_timeout = ${s}`),
      );
    }
    if (opts.isolationLevel)
      await guard.run(() => conn.query(`SET TRANSACTION ISOLATION LEVEL ${opts.isolationLevel}`));
    await guard.run(() => conn.beginTransaction());
    result = await guard.run(() => fn(conn));
    commitSent = true;
    await guard.run(() => conn.commit());
  } catch (err) {
    const lost = guard.timedOut || isConnectionLost(err);
    if (lost) guard.destroy();
    else await guard.run(() => conn.rollback()).catch(() => guard.destroy());
    if (guard.destroyed) await killSession(pool, conn.threadId, bound);
    if (commitSent && lost) return settleCommit(pool, err, result as T, opts, deadlineMs);
    throw err;
  } finally {
    guard.done();
  }
  return result as T;
}

/** COMMIT was sent, its answer lost, and the old session is gone (killed) or unreachable: ask on another connection. */
async function settleCommit<T>(
  pool: Pool,
  commitError: unknown,
  result: T,
  opts: TransactionOptions,
  deadlineMs: number | undefined,
): Promise<T> {
  if (!opts.commitCheck) throw new CommitOutcomeUnknown(commitError, undefined);
  let committed: boolean;
  try {
    committed = await transactionOnce(pool, opts.commitCheck, { isolationLevel: 'READ COMMITTED' }, deadlineMs);
  } catch (checkError) {
    throw new CommitOutcomeUnknown(commitError, checkError);
  }
  if (committed) return result;
  throw commitError;
}

/** The time left of one bound. */
class Deadline {
  readonly at: number;
  constructor(readonly ms: number) {
    this.at = Date.now() + ms;
  }
  left(): number {
    return Math.max(0, this.at - Date.now());
  }
}

/** A pool connection within the bound; one that comes after it is released unused. */
async function getConnection(pool: Pool, bound: Deadline | undefined): Promise<PoolConnection> {
  const asked = pool.getConnection();
  if (!bound) return asked;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransactionTimeout(bound.ms)), bound.left());
  });
  try {
    return await Promise.race([asked, late]);
  } catch (err) {
    if (err instanceof TransactionTimeout)
      asked.then(
        (c) => c.release(),
        () => {},
      );
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs each step on the connection within the bound; when the bound passes, the connection is destroyed (its
 * socket, so nothing more is sent or awaited) and the step fails with TransactionTimeout. `done` releases the
 * connection to the pool unless it was destroyed.
 */
class ConnectionGuard {
  timedOut = false;
  destroyed = false;
  /** The session's idle bounds were set for a transaction: done() sets them back. */
  sessionBounded = false;
  private readonly expired?: Promise<never>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly conn: PoolConnection,
    private readonly bound: Deadline | undefined,
  ) {
    if (!bound) return;
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        reject(new TransactionTimeout(bound.ms));
        this.destroy();
      }, bound.left());
    });
    this.expired.catch(() => {});
  }

  async run<R>(step: () => Promise<R>): Promise<R> {
    if (this.timedOut) throw new TransactionTimeout((this.bound as Deadline).ms);
    const work = step();
    if (!this.expired) return work;
    work.catch(() => {}); // once the bound has passed, nobody awaits it
    return Promise.race([work, this.expired]);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    destroyConnection(this.conn);
  }

  done(): void {
    clearTimeout(this.timer);
    if (this.destroyed) return;
    if (this.sessionBounded) {
      // The session's idle bounds go back to the server's defaults before anyone else uses it; the next user's
      // statements queue behind this one.
      this.conn
        .query('SET SESSION wait_timeout = DEFAULT, net_read_timeout = DEFAULT, net_write_timeout = DEFAULT')
        .catch(() => {});
    }
    this.conn.release();
  }
}

/**
 * Destroys a connection's socket at once: every command waiting on it fails (mysql2 then drops it from its pool)
 * and nothing is ever sent on it again. conn.destroy() alone would only half-close it and leave its commands
 * waiting forever when the server has gone silent.
 */
export function destroyConnection(conn: PoolConnection | mysql.Connection): void {
  const stream = (conn as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  if (stream && !stream.destroyed) stream.destroy();
  else conn.destroy();
}

/** Errors after which the connection cannot be trusted: the server may still hold the session (and its locks). */
const isConnectionLost = (err: unknown) =>
  err instanceof TransactionTimeout || (err as { fatal?: unknown } | undefined)?.fatal === true;

const KILL_BOUND_MS = 2_000;

/**
 * Kills a session whose connection this process gave up on, from another connection (a user may kill its own
 * sessions), so that its transaction is rolled back and its locks are released now rather than when the server
 * notices. Best effort, bounded: an unreachable server or a session already gone changes nothing.
 */
async function killSession(pool: Pool, threadId: number | null, bound: Deadline | undefined): Promise<void> {
  if (threadId === null || threadId === undefined) return;
  const within = new Deadline(Math.min(KILL_BOUND_MS, bound?.ms ?? KILL_BOUND_MS));
  let conn: PoolConnection | undefined;
  try {
    conn = await getConnection(pool, within);
    const guard = new ConnectionGuard(conn, within);
    try {
      await guard.run(() => (conn as PoolConnection).query('KILL CONNECTION ?', [threadId]));
    } finally {
      guard.done();
    }
  } catch {
    // Unknown thread id (gone already), or MySQL unreachable from here too: the server's idle bounds end it.
  }
}

/**
 * With a deadline, the pool's own statements (pool.query, pool.execute) run each on a connection of the pool
 * under the same bound: past it the connection is destroyed and the statement fails with TransactionTimeout.
 */
function boundPoolStatements(pool: Pool, deadlineMs: number): void {
  const onConnection = async <R>(step: (conn: PoolConnection) => Promise<R>): Promise<R> => {
    const bound = new Deadline(deadlineMs);
    const conn = await getConnection(pool, bound);
    const guard = new ConnectionGuard(conn, bound);
    try {
      return await guard.run(() => step(conn));
    } catch (err) {
      if (isConnectionLost(err)) guard.destroy();
      throw err;
    } finally {
      guard.done();
    }
  };
  // Replaced on this pool object only; the overloads of both are kept (the arguments pass through as given).
  const bounded = pool as unknown as Record<'query' | 'execute', (...args: unknown[]) => Promise<unknown>>;
  bounded.query = (...args) => onConnection((c) => (c.query as (...a: unknown[]) => Promise<unknown>)(...args));
  bounded.execute = (...args) => onConnection((c) => (c.execute as (...a: unknown[]) => Promise<unknown>)(...args));
}

const PING_TIMEOUT_MS = 2_000;

/**
 * Readiness ping over a connection of its own, never through the pool: a pool busy to its last connection
 * (or with a full queue) is a replica doing its job, and must not turn every replica unready at peak.
 * A server that refuses new connections because it has too many (ER_CON_COUNT_ERROR) is busy, not down:
 * ready too. Concurrent pings share one round trip, so /ready cannot flood the server.
 */
export function pingDb(pool: Pool): Promise<void> {
  const state = poolStates.get(pool)?.ping;
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
  // Its socket is destroyed, not half-closed: a silent server never answers a FIN either.
  conn?.then(destroyConnection, () => {});
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
  // Chosen as a deadlock victim again after withTransaction's retries: busy, not broken.
  'ER_LOCK_DEADLOCK',
  'TRANSACTION_TIMEOUT',
  'COMMIT_OUTCOME_UNKNOWN',
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
