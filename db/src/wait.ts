import { readdir } from 'node:fs/promises';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import type { MigrateConfig } from './config';
import { MIGRATIONS_DIR } from './migrate';

/**
 * `--wait` (k8s init containers): changes nothing, needs only SELECT. Resolves once every migration this image
 * carries is recorded as applied (the migrate Job applies them); rejects after timeoutSeconds.
 * So service pods start on a complete schema without holding an account that may change it.
 */
export async function waitForSchema(
  cfg: MigrateConfig,
  timeoutSeconds: number,
  log: (line: string) => void = () => {},
): Promise<void> {
  const wanted = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (;;) {
    const missing = await missingMigrations(cfg, wanted).catch((err: Error) => [`(${err.message})`]);
    if (missing.length === 0) {
      log(`${cfg.database}: all ${wanted.length} migrations applied`);
      return;
    }
    const now = `waiting for ${missing.join(', ')}`;
    if (now !== last) log(now);
    last = now;
    if (Date.now() > deadline) throw new Error(`schema not complete after ${timeoutSeconds}s: ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

async function missingMigrations(cfg: MigrateConfig, wanted: string[]): Promise<string[]> {
  const conn = await mysql.createConnection({
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    database: cfg.database,
    connectTimeout: 5_000,
  });
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((r) => String(r.name)));
    return wanted.filter((w) => !applied.has(w));
  } finally {
    await conn.end();
  }
}
