import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import type { Account, MigrateConfig } from './config';

// Least privilege (compose, k8s): the services connect as an account with DML on the schema only, the
// migrations run as one that may change it. Both are made sure of on every run, as the admin: created when
// missing, their password set to the configured one (so changing it in .env or the Secret just works) and
// their grants given. Grants are only ever added: to take some away, drop the account and run again.

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';
const MIGRATOR_PRIVILEGES = 'ALL PRIVILEGES';
// Any host: the services and the runner connect from other containers or pods.
const HOST = '%';

export async function ensureAccounts(cfg: MigrateConfig, log: (line: string) => void = () => {}): Promise<void> {
  const accounts = cfg.accounts;
  if (!accounts) return;
  const conn = await mysql.createConnection({
    host: cfg.host,
    port: cfg.port,
    user: accounts.admin.user,
    password: accounts.admin.password,
    connectTimeout: 10_000,
  });
  const lock = `ebs_accounts.${cfg.database}`.slice(0, 64);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${cfg.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [lock, cfg.lockTimeoutSeconds]);
    if (rows[0]?.got !== 1)
      throw new Error(`Another runner holds the accounts lock for over ${cfg.lockTimeoutSeconds}s`);
    try {
      if (accounts.migrator)
        await ensure(conn, cfg.database, accounts.admin, accounts.migrator, MIGRATOR_PRIVILEGES, log);
      await ensure(conn, cfg.database, accounts.admin, accounts.app, APP_PRIVILEGES, log);
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  } finally {
    await conn.end();
  }
}

async function ensure(
  conn: Connection,
  database: string,
  admin: Account,
  account: Account,
  privileges: string,
  log: (line: string) => void,
): Promise<void> {
  if (account.user === admin.user) {
    // Never touch the admin's own password or grants.
    log(`account ${account.user} is the admin account: left as it is`);
    return;
  }
  // In GRANT, _ and % in a database name are wildcards: escape them so the grant covers this schema only.
  const schema = database.replace(/[_%]/g, (c) => `\\${c}`);
  // query, not execute: these statements are not preparable everywhere; mysql2 escapes the values.
  await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [account.user, HOST, account.password]);
  await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [account.user, HOST, account.password]);
  await conn.query(`GRANT ${privileges} ON \`${schema}\`.* TO ?@?`, [account.user, HOST]);
  log(`account ${account.user}: ${privileges} on ${database}`);
}
