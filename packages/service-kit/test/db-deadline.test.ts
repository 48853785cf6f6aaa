import { randomBytes } from 'node:crypto';
import { type FaultProxy, type MysqlTarget, resolveMysql, startFaultProxy } from '@ebs/test-support';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import {
  CommitOutcomeUnknown,
  createPool,
  type DbConfig,
  pingDb,
  TransactionTimeout,
  withTransaction,
} from '../src/db';

// The kit's MySQL bounds against a real server behind the test-support fault proxy: a transaction's deadline, a
// COMMIT whose answer is lost, the pool's own statements, the readiness ping. A database of this file's own.

const DEADLINE_MS = 1_500;
let target: MysqlTarget;
let stopMysql: (() => Promise<void>) | undefined;
let database: string;
let admin: mysql.Connection;
let proxy: FaultProxy;
const pools: Pool[] = [];

beforeAll(async () => {
  const mysqlServer = await resolveMysql();
  target = mysqlServer.target;
  stopMysql = mysqlServer.stop;
  database = `ebs_kit_${process.pid}_${randomBytes(3).toString('hex')}`;
  admin = await mysql.createConnection({ ...target });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.query(`CREATE TABLE ${database}.items (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB`);
  await admin.changeUser({ database });
  proxy = await startFaultProxy({ target });
}, 120_000);
afterEach(() => proxy.heal());
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => {})));
  await proxy?.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin?.end();
  await stopMysql?.();
});

/** A pool through the proxy (or straight to MySQL), closed after the file. */
function pool(opts: Partial<DbConfig> & { direct?: boolean } = {}): Pool {
  const { direct, ...rest } = opts;
  const p = createPool({
    ...target,
    ...(direct ? {} : { host: proxy.host, port: proxy.port }),
    database,
    connectionLimit: 3,
    queueLimit: 100,
    lockWaitTimeoutSeconds: 1,
    ...rest,
  });
  pools.push(p);
  return p;
}

let nextId = 1;
async function newItem(): Promise<number> {
  const id = nextId++;
  await admin.query('INSERT INTO items (id, n) VALUES (?, 0)', [id]);
  return id;
}
async function countOf(id: number): Promise<number | undefined> {
  const [rows] = await admin.query<RowDataPacket[]>('SELECT n FROM items WHERE id = ?', [id]);
  return rows[0]?.n;
}
/** Whether another session can lock the row now (its lock is free) within a second. */
async function lockable(id: number): Promise<boolean> {
  const conn = await mysql.createConnection({ ...target, database });
  try {
    await conn.query('SET SESSION innodb_lock_wait_timeout = 1');
    await conn.beginTransaction();
    await conn.query('SELECT n FROM items WHERE id = ? FOR UPDATE', [id]);
    return true;
  } catch {
    return false;
  } finally {
    await conn.rollback().catch(() => {});
    await conn.end();
  }
}
async function within<T>(ms: number, work: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return { value: await Promise.race([work, late]), ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
const bump = (id: number) => async (conn: mysql.PoolConnection) => {
  await conn.query('SELECT n FROM items WHERE id = ? FOR UPDATE', [id]);
  await conn.query('UPDATE items SET n = n + 1 WHERE id = ?', [id]);
  return 'bumped';
};

describe('the fault proxy', () => {
  test('when nothing is armed, then it forwards; when a COMMIT answer is swallowed, then the client loses its connection and the commit stands', async () => {
    const id = await newItem();
    const conn = await mysql.createConnection({ ...target, host: proxy.host, port: proxy.port, database });
    conn.on('error', () => {});
    const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 AS one');
    expect(rows[0]?.one).toBe(1);
    const fault = proxy.swallowNextReplyAfter(/^COMMIT/);
    await conn.beginTransaction();
    await conn.query('UPDATE items SET n = 5 WHERE id = ?', [id]);
    await expect(conn.commit()).rejects.toMatchObject({ fatal: true });
    expect(await fault).toBe('COMMIT');
    expect(await countOf(id)).toBe(5);
  });

  test('when it goes silent, then nothing answers, open or new, until it heals', async () => {
    const conn = await mysql.createConnection({ ...target, host: proxy.host, port: proxy.port, database });
    proxy.goSilent();
    const pending = conn.query('SELECT 1');
    expect((await within(500, pending)).error).toBeInstanceOf(Error);
    const fresh = mysql.createConnection({ ...target, host: proxy.host, port: proxy.port, connectTimeout: 500 });
    await expect(fresh).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    proxy.heal();
    const again = await mysql.createConnection({ ...target, host: proxy.host, port: proxy.port, database });
    const [rows] = await again.query<RowDataPacket[]>('SELECT 2 AS two');
    expect(rows[0]?.two).toBe(2);
    await again.end();
    conn.destroy();
  });
});

describe('withTransaction with a deadline', () => {
  test('when its connection goes silent holding a row lock, then it fails with TransactionTimeout in time and its session is killed (the lock is free)', async () => {
    const id = await newItem();
    const p = pool({ deadlineMs: DEADLINE_MS });
    const fault = proxy.swallowNextReplyAfter(/^UPDATE items/, { after: 'silent' });
    const outcome = await within(DEADLINE_MS + 3_000, withTransaction(p, bump(id)));
    expect(await fault).toMatch(/^UPDATE items/);
    expect(outcome.error).toBeInstanceOf(TransactionTimeout);
    expect(outcome.ms).toBeLessThan(DEADLINE_MS + 2_500);
    expect(await lockable(id)).toBe(true);
    expect(await countOf(id)).toBe(0);
    // The pool works on: the dead connection was never given out again.
    expect(await withTransaction(p, bump(id))).toBe('bumped');
    expect(await countOf(id)).toBe(1);
  });

  test('when MySQL cannot be reached at all, then MySQL ends the session by the idle bound the transaction set', async () => {
    const id = await newItem();
    const p = pool({ deadlineMs: DEADLINE_MS });
    const fault = proxy.swallowNextReplyAfter(/^UPDATE items/, { after: 'silent' });
    const pending = within(DEADLINE_MS + 5_000, withTransaction(p, bump(id)));
    await fault;
    proxy.goSilent(); // no kill can reach it
    const outcome = await pending;
    expect(outcome.error).toBeInstanceOf(TransactionTimeout);
    // wait_timeout = 2 s (the deadline in whole seconds): the lock goes with the session.
    let free = false;
    const until = Date.now() + 6_000;
    while (!free && Date.now() < until) free = await lockable(id);
    expect(free).toBe(true);
    expect(await countOf(id)).toBe(0);
  });

  test('when a transaction is done, then its session has the server default idle bounds again', async () => {
    const p = pool({ deadlineMs: DEADLINE_MS, connectionLimit: 1, direct: true });
    const inside = await withTransaction(p, async (conn) => {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.wait_timeout AS w');
      return Number(rows[0]?.w);
    });
    expect(inside).toBe(2);
    const [rows] = await p.query<RowDataPacket[]>(
      'SELECT @@SESSION.wait_timeout AS w, @@GLOBAL.wait_timeout AS g, @@SESSION.innodb_lock_wait_timeout AS l',
    );
    expect(Number(rows[0]?.w)).toBe(Number(rows[0]?.g));
    expect(Number(rows[0]?.l)).toBe(1);
  });
});

describe('a COMMIT whose answer is lost', () => {
  test('when MySQL applied it, then commitCheck finds it and withTransaction returns as if COMMIT had answered', async () => {
    const id = await newItem();
    const p = pool({ deadlineMs: DEADLINE_MS });
    const check = async (conn: mysql.PoolConnection) => {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT n FROM items WHERE id = ? FOR UPDATE', [id]);
      return rows[0]?.n === 1;
    };
    for (const after of ['drop', 'silent'] as const) {
      await admin.query('UPDATE items SET n = 0 WHERE id = ?', [id]);
      const fault = proxy.swallowNextReplyAfter(/^COMMIT/, { after, on: /^UPDATE items/ });
      const outcome = await within(DEADLINE_MS * 2 + 3_000, withTransaction(p, bump(id), { commitCheck: check }));
      expect(await fault).toBe('COMMIT');
      expect(outcome.value).toBe('bumped');
      expect(await countOf(id)).toBe(1);
      proxy.heal();
    }
  });

  test('when COMMIT never reached MySQL, then the check finds nothing and the commit error is thrown; without a check the outcome is unknown', async () => {
    const id = await newItem();
    const p = pool({ deadlineMs: DEADLINE_MS });
    const check = async (conn: mysql.PoolConnection) => {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT n FROM items WHERE id = ? FOR UPDATE', [id]);
      return rows[0]?.n === 1;
    };
    const fault = proxy.silenceBefore(/^COMMIT/, { on: /^UPDATE items/ });
    const outcome = await within(DEADLINE_MS * 2 + 3_000, withTransaction(p, bump(id), { commitCheck: check }));
    expect(await fault).toBe('COMMIT');
    expect(outcome.error).toBeInstanceOf(TransactionTimeout);
    expect(await countOf(id)).toBe(0);
    proxy.heal();

    const unknown = proxy.swallowNextReplyAfter(/^COMMIT/, { on: /^UPDATE items/ });
    const blind = await within(DEADLINE_MS * 2 + 3_000, withTransaction(p, bump(id)));
    expect(await unknown).toBe('COMMIT');
    expect(blind.error).toBeInstanceOf(CommitOutcomeUnknown);
    expect(await countOf(id)).toBe(1);
  });
});

describe('the pool with a deadline', () => {
  test("when MySQL goes silent, then the pool's own statements fail with TransactionTimeout in time, and work again after it heals", async () => {
    const p = pool({ deadlineMs: DEADLINE_MS });
    await p.query('SELECT 1');
    proxy.goSilent();
    const outcome = await within(DEADLINE_MS + 3_000, p.query('SELECT 1'));
    expect(outcome.error).toBeInstanceOf(TransactionTimeout);
    expect(outcome.ms).toBeLessThan(DEADLINE_MS + 1_000);
    proxy.heal();
    const [rows] = await p.execute<RowDataPacket[]>('SELECT ? AS x', [7]);
    expect(rows[0]?.x).toBe(7);
  });

  test('when MySQL goes silent, then the readiness ping fails within its bound, and passes again after it heals', async () => {
    const p = pool({ deadlineMs: DEADLINE_MS });
    await pingDb(p);
    proxy.goSilent();
    const outcome = await within(5_000, pingDb(p));
    expect(outcome.error).toBeInstanceOf(Error);
    expect(outcome.ms).toBeLessThan(3_000);
    proxy.heal();
    await pingDb(p);
  });
});
