import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MysqlTarget } from './resolve';
import { REPO_ROOT } from './settings';

/** Applies the schema with db/'s own runner (built by the root install), as `npm run migrate` does. */
export async function migrateDatabase(target: MysqlTarget, database: string): Promise<void> {
  const runner = path.join(REPO_ROOT, 'db', 'dist', 'main.js');
  if (!existsSync(runner)) throw new Error(`${runner} is missing: run \`npm install\` at the repo root first`);
  await promisify(execFile)(process.execPath, [runner], {
    env: {
      ...process.env,
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      MYSQL_DB: database,
      // Migrate as the test account itself: no accounts made on the server from a developer's .env (set but
      // empty, so the runner's dotenv does not fill them in).
      MYSQL_ADMIN_USER: '',
      MYSQL_MIGRATE_USER: '',
    },
  });
}
