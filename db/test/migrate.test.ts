import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { loadConfig, type MigrateConfig } from '../src/config';
import { migrate } from '../src/migrate';

/** The migration files in the folder, in the order the runner must apply them. */
const MIGRATION_FILES = readdirSync(path.join(__dirname, '..', 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort();
const COUNT = MIGRATION_FILES.length;

// Each test gets a database of its own on the server named by MYSQL_* (defaults: local MariaDB).
const base = loadConfig(process.env);
const created: string[] = [];

function freshConfig(): MigrateConfig {
  const database = `ebs_test_mig_${randomBytes(4).toString('hex')}`;
  created.push(database);
  return { ...base, database };
}

async function admin() {
  return mysql.createConnection({ host: base.host, port: base.port, user: base.user, password: base.password });
}

afterAll(async () => {
  const conn = await admin();
  for (const db of created) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await conn.end();
});

async function tables(database: string): Promise<string[]> {
  const conn = await admin();
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
    [database],
  );
  await conn.end();
  return rows.map((r) => String(r.t));
}

const SCHEMA = [
  'bookings',
  'events',
  'idempotency_keys',
  'login_address_gates',
  'login_failures',
  'login_gates',
  'notifications',
  'outbox',
  'parked_messages',
  'schema_migrations',
  'users',
  'waitlist_entries',
];

describe('migrate', () => {
  test('when the database is missing, then it is created and every migration applied in order', async () => {
    const cfg = freshConfig();
    const result = await migrate(cfg);
    expect(result.applied).toEqual(MIGRATION_FILES);
    expect(MIGRATION_FILES.slice(0, 2)).toEqual(['001_users.sql', '002_events.sql']);
    expect(await tables(cfg.database)).toEqual(SCHEMA);
  });

  test('when run twice in a row, then the second run applies nothing', async () => {
    const cfg = freshConfig();
    await migrate(cfg);
    const second = await migrate(cfg);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(COUNT);
  });

  test('when two runners start at once, then both succeed and the schema is applied exactly once', async () => {
    const cfg = freshConfig();
    const [a, b] = await Promise.all([migrate(cfg), migrate(cfg)]);
    // One of them did all the work, the other found nothing left to do.
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, COUNT]);
    expect(await tables(cfg.database)).toEqual(SCHEMA);
    const conn = await admin();
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${cfg.database}\`.schema_migrations`);
    await conn.end();
    expect(Number(rows[0]?.n)).toBe(COUNT);
  });

  test('when seats would go below zero or above the total, then the schema itself refuses the row', async () => {
    const cfg = freshConfig();
    await migrate(cfg);
    const conn = await mysql.createConnection({
      host: base.host,
      port: base.port,
      user: base.user,
      password: base.password,
      database: cfg.database,
    });
    const insert = (total: number, available: number) =>
      conn.execute(
        'INSERT INTO events (id, name, starts_at, total_seats, available_seats) VALUES (UUID(), ?, NOW(3), ?, ?)',
        ['e', total, available],
      );
    await expect(insert(10, -1)).rejects.toThrow();
    await expect(insert(10, 11)).rejects.toThrow();
    await expect(insert(0, 0)).rejects.toThrow();
    await expect(insert(10, 10)).resolves.toBeDefined();
    await conn.end();
  });
});

describe('npm run migrate (the built CLI)', () => {
  const cli = path.resolve(__dirname, '..', 'dist', 'main.js');
  const run = (database: string) =>
    promisify(execFile)(process.execPath, [cli], { env: { ...process.env, MYSQL_DB: database } });

  test('when two processes start at once and then a third after them, then all exit 0 and the last applies nothing', async () => {
    const { database } = freshConfig();
    const [a, b] = await Promise.all([run(database), run(database)]);
    expect(`${a.stdout}${b.stdout}`).toContain(`applied ${COUNT} migration(s)`);
    expect(`${a.stdout}${b.stdout}`).toContain('nothing to do');
    const c = await run(database);
    expect(c.stdout).toContain(`schema up to date (${COUNT} migrations applied before), nothing to do`);
  });

  test('when MYSQL_PORT is not a number, then it exits 1 naming the variable', async () => {
    const result = promisify(execFile)(process.execPath, [cli], { env: { ...process.env, MYSQL_PORT: 'abc' } });
    await expect(result).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('MYSQL_PORT') });
  });
});
