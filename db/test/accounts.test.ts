import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { accountHosts, ensureAccounts } from '../src/accounts';
import { loadConfig, type MigrateConfig } from '../src/config';
import { migrate } from '../src/migrate';

// The server named by MYSQL_* (defaults: local MariaDB) is the admin here. Every test makes accounts and a
// database of its own, and drops them at the end.
const base = loadConfig(process.env);
const databases: string[] = [];
const users: string[] = [];

function freshConfig(): MigrateConfig {
  const tag = randomBytes(4).toString('hex');
  const database = `ebs_test_acc_${tag}`;
  const app = { user: `ebs_t_app_${tag}`, password: `app-${tag}` };
  const migrator = { user: `ebs_t_mig_${tag}`, password: `mig-${tag}` };
  databases.push(database);
  users.push(app.user, migrator.user);
  return {
    ...base,
    ...migrator,
    database,
    accounts: { admin: { user: base.user, password: base.password }, migrator, app },
  };
}

const connect = (cfg: MigrateConfig, user: string, password: string) =>
  mysql.createConnection({ host: cfg.host, port: cfg.port, user, password, database: cfg.database });

afterAll(async () => {
  const conn = await mysql.createConnection({
    host: base.host,
    port: base.port,
    user: base.user,
    password: base.password,
  });
  for (const db of databases) await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  for (const u of users)
    for (const h of ['%', 'localhost', '127.0.0.1']) await conn.query('DROP USER IF EXISTS ?@?', [u, h]);
  await conn.end();
});

describe('ensureAccounts', () => {
  test('when run as the admin, then the migration account can change the schema and the app account only its rows', async () => {
    const cfg = freshConfig();
    const { app } = cfg.accounts ?? { app: { user: '', password: '' } };
    await ensureAccounts(cfg);
    await migrate(cfg); // as the migration account

    const conn = await connect(cfg, app.user, app.password);
    await conn.execute(
      'INSERT INTO events (id, name, starts_at, total_seats, available_seats) VALUES (UUID(), ?, NOW(3), 5, 5)',
      ['e'],
    );
    await conn.execute('UPDATE events SET available_seats = 4');
    await expect(conn.query('SELECT COUNT(*) AS n FROM events')).resolves.toBeDefined();
    await conn.execute('DELETE FROM events');
    await expect(conn.query('CREATE TABLE app_may_not (id INT)')).rejects.toThrow(/denied/i);
    await expect(conn.query('ALTER TABLE events ADD COLUMN x INT')).rejects.toThrow(/denied/i);
    await expect(conn.query('DROP TABLE events')).rejects.toThrow(/denied/i);
    await expect(conn.query('CREATE DATABASE ebs_test_app_may_not')).rejects.toThrow(/denied/i);
    await conn.end();
  });

  test('when run twice with a changed password, then the new password works and the old one no longer does', async () => {
    const cfg = freshConfig();
    await ensureAccounts(cfg);
    await ensureAccounts(cfg); // idempotent
    const accounts = cfg.accounts ?? { admin: { user: '', password: '' }, app: { user: '', password: '' } };
    const changed: MigrateConfig = {
      ...cfg,
      accounts: { ...accounts, app: { ...accounts.app, password: 'changed-pw' } },
    };
    await ensureAccounts(changed);
    await expect(connect(cfg, accounts.app.user, accounts.app.password)).rejects.toThrow(/denied/i);
    const conn = await connect(cfg, accounts.app.user, 'changed-pw');
    await conn.end();
  });

  test('when several runners start at once, then all succeed', async () => {
    const cfg = freshConfig();
    await Promise.all([ensureAccounts(cfg), ensureAccounts(cfg), ensureAccounts(cfg)]);
    const conn = await connect(cfg, cfg.user, cfg.password);
    await conn.end();
  });

  test('when MySQL runs on this machine, then the accounts are for localhost and 127.0.0.1 only, and an earlier one for any host is dropped', async () => {
    const cfg = freshConfig();
    const app = cfg.accounts?.app ?? { user: '', password: '' };
    const migrator = cfg.accounts?.migrator ?? { user: '', password: '' };
    const admin = await mysql.createConnection({
      host: base.host,
      port: base.port,
      user: base.user,
      password: base.password,
    });
    try {
      // What an earlier run made: the app account for any host, without a password.
      await admin.query("CREATE USER ?@'%' IDENTIFIED BY ''", [app.user]);
      const lines: string[] = [];
      await ensureAccounts({ ...cfg, host: '127.0.0.1' }, (l) => lines.push(l));
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        'SELECT User AS user, Host AS host FROM mysql.user WHERE User IN (?, ?) ORDER BY User, Host',
        [app.user, migrator.user],
      );
      expect(rows.map((r) => `${r.user}@${r.host}`).sort()).toEqual(
        [
          `${app.user}@127.0.0.1`,
          `${app.user}@localhost`,
          `${migrator.user}@127.0.0.1`,
          `${migrator.user}@localhost`,
        ].sort(),
      );
      expect(lines).toContain(
        `account ${app.user}@'%' dropped: MySQL runs on this machine, so the account is for it only`,
      );
      const conn = await connect({ ...cfg, host: '127.0.0.1' }, app.user, app.password);
      await conn.end();
    } finally {
      await admin.end();
    }
  });

  test('when MySQL runs elsewhere (compose, k8s), then the accounts are for any host', () => {
    expect(accountHosts('mysql')).toEqual(['%']);
    expect(accountHosts('db.example.com')).toEqual(['%']);
    expect(accountHosts('localhost')).toEqual(['localhost', '127.0.0.1']);
    expect(accountHosts('127.0.0.1')).toEqual(['localhost', '127.0.0.1']);
    // A MySQL container published on 127.0.0.1 sees this client at its bridge's gateway: that host too.
    expect(accountHosts('127.0.0.1', 'localhost')).toEqual(['localhost', '127.0.0.1']);
    expect(accountHosts('127.0.0.1', '172.29.0.1')).toEqual(['localhost', '127.0.0.1', '172.29.0.1']);
    expect(accountHosts('mysql', '172.29.0.5')).toEqual(['%']);
  });

  test('when the app account is the admin account, then its password and grants are left alone', async () => {
    const cfg = freshConfig();
    const admin = { user: base.user, password: base.password };
    const lines: string[] = [];
    await ensureAccounts({ ...cfg, accounts: { admin, app: { user: base.user, password: 'must-not-be-set' } } }, (l) =>
      lines.push(l),
    );
    expect(lines).toContain(`account ${base.user} is the admin account: left as it is`);
    const conn = await connect(cfg, base.user, base.password);
    await conn.end();
  });
});

describe('loadConfig accounts', () => {
  test('when MYSQL_ADMIN_USER is set, then the runner migrates as MYSQL_MIGRATE_USER and provisions MYSQL_USER', () => {
    const cfg = loadConfig({
      MYSQL_USER: 'app',
      MYSQL_PASSWORD: 'a',
      MYSQL_MIGRATE_USER: 'mig',
      MYSQL_MIGRATE_PASSWORD: 'm',
      MYSQL_ADMIN_USER: 'root',
      MYSQL_ADMIN_PASSWORD: 'r',
    });
    expect(cfg).toMatchObject({ user: 'mig', password: 'm' });
    expect(cfg.accounts).toEqual({
      admin: { user: 'root', password: 'r' },
      migrator: { user: 'mig', password: 'm' },
      app: { user: 'app', password: 'a' },
    });
  });

  test('when no admin is set, then it migrates as MYSQL_USER and provisions nothing', () => {
    const cfg = loadConfig({ MYSQL_USER: 'root', MYSQL_PASSWORD: '' });
    expect(cfg).toMatchObject({ user: 'root', password: '' });
    expect(cfg.accounts).toBeUndefined();
  });

  test('when the migration and app accounts are the same, then it refuses naming the variable', () => {
    expect(() => loadConfig({ MYSQL_USER: 'x', MYSQL_MIGRATE_USER: 'x', MYSQL_ADMIN_USER: 'root' })).toThrow(
      /MYSQL_MIGRATE_USER/,
    );
  });

  test('when an account name has a quote, then it refuses naming the variable', () => {
    expect(() => loadConfig({ MYSQL_MIGRATE_USER: "x'y" })).toThrow(/MYSQL_MIGRATE_USER/);
  });
});

describe('node dist/main.js --wait (k8s init containers)', () => {
  const cli = path.resolve(__dirname, '..', 'dist', 'main.js');

  test('when the schema is not there yet, then it waits, and exits 0 once the migrations are applied', async () => {
    const cfg = freshConfig();
    await ensureAccounts(cfg);
    const { app } = cfg.accounts ?? { app: { user: '', password: '' } };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MYSQL_DB: cfg.database,
      MYSQL_USER: app.user,
      MYSQL_PASSWORD: app.password,
    };
    delete env.MYSQL_ADMIN_USER;
    const child = spawn(process.execPath, [cli, '--wait'], { env });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Migrate only once it has said that it waits.
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('waiting for')) resolve();
      }),
    );
    await migrate(cfg);
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/all \d+ migrations applied/);
  });

  test('when the schema never comes, then it exits 1 after MIGRATE_WAIT_TIMEOUT', async () => {
    const cfg = freshConfig();
    const env: NodeJS.ProcessEnv = { ...process.env, MYSQL_DB: cfg.database, MIGRATE_WAIT_TIMEOUT: '2' };
    delete env.MYSQL_ADMIN_USER;
    const run = promisify(execFile)(process.execPath, [cli, '--wait'], { env });
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('schema not complete after 2s'),
    });
  });
});
