import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { Umzug, type UmzugStorage } from 'umzug';
import type { MigrateConfig } from './config';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'migrations');
const TABLE = 'schema_migrations';

export type MigrateResult = { database: string; applied: string[]; alreadyApplied: number };

/**
 * Applies pending migrations to cfg.database, creating the database if missing.
 * Several runners at once are safe: each takes a named server lock (GET_LOCK) for this database
 * before it reads what was applied, so the second one waits and then finds nothing to do.
 * MySQL commits DDL implicitly, so every migration file is written to be re-runnable
 * (IF NOT EXISTS) should a run die half-way through one.
 */
export async function migrate(cfg: MigrateConfig, log: (line: string) => void = () => {}): Promise<MigrateResult> {
  const conn = await mysql.createConnection({
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    multipleStatements: true,
    connectTimeout: 10_000,
  });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${cfg.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await conn.query(`USE \`${cfg.database}\``);
    await acquireLock(conn, cfg);
    try {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (
           name VARCHAR(255) NOT NULL PRIMARY KEY,
           applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      );
      const umzug = new Umzug<Connection>({
        migrations: await sqlMigrations(),
        context: conn,
        storage: tableStorage(conn),
        logger: undefined,
      });
      const before = await umzug.executed();
      const applied = await umzug.up();
      for (const m of applied) log(`applied ${m.name}`);
      return { database: cfg.database, applied: applied.map((m) => m.name), alreadyApplied: before.length };
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [lockName(cfg)]);
    }
  } finally {
    await conn.end();
  }
}

function lockName(cfg: MigrateConfig): string {
  // Named per database so that test runs on other databases of the same server never wait on each other.
  return `ebs_migrate.${cfg.database}`.slice(0, 64);
}

async function acquireLock(conn: Connection, cfg: MigrateConfig): Promise<void> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
    lockName(cfg),
    cfg.lockTimeoutSeconds,
  ]);
  if (rows[0]?.got !== 1) {
    throw new Error(`Another migration holds the lock on ${cfg.database} for over ${cfg.lockTimeoutSeconds}s`);
  }
}

async function sqlMigrations() {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  return files.map((file) => ({
    name: file,
    path: path.join(MIGRATIONS_DIR, file),
    up: async ({ context }: { context: Connection }) => {
      await context.query(await readFile(path.join(MIGRATIONS_DIR, file), 'utf8'));
    },
  }));
}

function tableStorage(conn: Connection): UmzugStorage<Connection> {
  return {
    async executed() {
      const [rows] = await conn.query<RowDataPacket[]>(`SELECT name FROM ${TABLE} ORDER BY name`);
      return rows.map((r) => String(r.name));
    },
    async logMigration({ name }) {
      await conn.query(`INSERT INTO ${TABLE} (name) VALUES (?)`, [name]);
    },
    async unlogMigration({ name }) {
      await conn.query(`DELETE FROM ${TABLE} WHERE name = ?`, [name]);
    },
  };
}
