import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import type { Account, MigrateConfig } from './config';

// Least privilege (compose, k8s): the services connect as an account with DML on the schema only, the
// migrations run as one that may change it. Both are made sure of on every run, as the admin: created when
// missing, their password set to the configured one (so changing it in .env or the Secret just works) and
// their grants given. Grants are only ever added: to take some away, drop the account and run again.

const APP_PRIVILEGES = 'SELECT, INSERT, UPDATE, DELETE';
const MIGRATOR_PRIVILEGES = 'ALL PRIVILEGES';
// Where the accounts may connect from. MySQL on another host (compose, k8s): any host, the services connect
// from other containers or pods. MySQL reached on a loopback address (the root `npm start`): this machine only,
// over the socket (localhost) or TCP (127.0.0.1), plus the address MySQL itself sees this client at when that is
// not loopback (a MySQL container whose port is published on 127.0.0.1 sees the bridge's gateway, 172.x).
// Only when MySQL really runs on this machine (it sees us at a loopback address) is an account of the same
// name for any host ('%') dropped, so it cannot be used from elsewhere; a MySQL container may share its data
// with the compose stack, whose services need '%'.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The hosts the accounts are made for when MySQL runs at `mysqlHost` and sees this client at `seenAs`. */
export function accountHosts(mysqlHost: string, seenAs?: string): string[] {
  if (!LOOPBACK.has(mysqlHost)) return ['%'];
  const hosts = ['localhost', '127.0.0.1'];
  if (seenAs && !LOOPBACK.has(seenAs) && !hosts.includes(seenAs)) hosts.push(seenAs);
  return hosts;
}

/** The host part of USER(): where MySQL sees this connection come from (it may resolve 127.0.0.1 to localhost). */
async function clientHost(conn: Connection): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>("SELECT SUBSTRING_INDEX(USER(), '@', -1) AS host");
  return String(rows[0]?.host ?? '');
}

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
      const seenAs = await clientHost(conn);
      if (accounts.migrator)
        await ensure(conn, cfg, seenAs, accounts.admin, accounts.migrator, MIGRATOR_PRIVILEGES, log);
      await ensure(conn, cfg, seenAs, accounts.admin, accounts.app, APP_PRIVILEGES, log);
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  } finally {
    await conn.end();
  }
}

async function ensure(
  conn: Connection,
  cfg: MigrateConfig,
  seenAs: string,
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
  const database = cfg.database;
  // In GRANT, _ and % in a database name are wildcards: escape them so the grant covers this schema only.
  const schema = database.replace(/[_%]/g, (c) => `\\${c}`);
  const hosts = accountHosts(cfg.host, seenAs);
  // query, not execute: these statements are not preparable everywhere; mysql2 escapes the values.
  for (const host of hosts) {
    await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [account.user, host, account.password]);
    await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [account.user, host, account.password]);
    await conn.query(`GRANT ${privileges} ON \`${schema}\`.* TO ?@?`, [account.user, host]);
  }
  if (!hosts.includes('%') && LOOPBACK.has(seenAs)) {
    const [any] = await conn.query<RowDataPacket[]>("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [
      account.user,
    ]);
    if (any.length > 0) {
      await conn.query("DROP USER ?@'%'", [account.user]);
      log(`account ${account.user}@'%' dropped: MySQL runs on this machine, so the account is for it only`);
    }
  }
  log(`account ${account.user}@${hosts.join(',')}: ${privileges} on ${database}`);
}
