import mysql from 'mysql2/promise';
import type { DbConfig } from '../db/pool';
import type { Logger } from '../observability/logger';

// What a service checks of MySQL as it starts (serve() runs it). The rule (docs/troubleshooting.md, "Start-up
// failures"):
// - a definite answer that waiting cannot change stops the process at once, exit 1, with ONE line naming the cause
//   and the variable to fix: MySQL refuses the account (MYSQL_USER/MYSQL_PASSWORD), the database does not exist
//   or has no migrated schema (MYSQL_DB; `npm run migrate`);
// - MySQL not answering (down, slow to start, a network hiccup) is not definite: the service keeps running,
//   unready (/ready 503, docs/api.md), says so once at warn, and checks again until MySQL answers. Compose and
//   k8s start services before or while MySQL comes up. The root `npm start` checks MySQL itself before starting
//   anything and exits within 15 s when it does not answer.

/** A MySQL problem found at start: definite ones stop the process, `unreachable` ones are waited out. */
export type StartupProblem = { definite: boolean; line: string };

/** The variables a problem names (a launcher that connects as another account passes its own). */
export type MysqlVariables = { account: string; address: string; database: string };

const SERVICE_VARIABLES: MysqlVariables = {
  account: 'MYSQL_USER/MYSQL_PASSWORD',
  address: 'MYSQL_HOST/MYSQL_PORT',
  database: 'MYSQL_DB',
};

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'PROTOCOL_CONNECTION_LOST',
]);

type Target = Pick<DbConfig, 'host' | 'port' | 'user' | 'database'>;

/** The one line (and whether it is definite) for an error of connecting to MySQL or of reading its schema. */
export function describeMysqlProblem(
  err: unknown,
  target: Target,
  vars: MysqlVariables = SERVICE_VARIABLES,
): StartupProblem {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return { definite: true, line: `MySQL refused user '${target.user}' (${vars.account} in .env)` };
    case 'ER_DBACCESS_DENIED_ERROR':
      return {
        definite: true,
        line: `MySQL user '${target.user}' has no rights on database '${target.database}' (${vars.database} in .env; \`npm run migrate\` grants them)`,
      };
    case 'ER_BAD_DB_ERROR':
      return {
        definite: true,
        line: `MySQL database '${target.database}' does not exist: not migrated (run \`npm run migrate\`; ${vars.database} in .env)`,
      };
    case 'ER_NO_SUCH_TABLE':
      return {
        definite: true,
        line: `MySQL database '${target.database}' has no schema: not migrated (run \`npm run migrate\`; ${vars.database} in .env)`,
      };
  }
  if (UNREACHABLE.has(code) || /timeout|timed out/i.test(e.message ?? '')) {
    return {
      definite: false,
      line: `MySQL at ${where} does not answer (${code || e.message}) (${vars.address} in .env; is MySQL running?)`,
    };
  }
  return { definite: false, line: `MySQL at ${where}: ${e.message ?? String(err)}` };
}

/**
 * Connects once as the service does and reads the migrations table: null when the schema is there, else the
 * problem (an empty schema_migrations counts as not migrated).
 */
export async function checkMysqlAtStart(
  db: Pick<DbConfig, 'host' | 'port' | 'user' | 'password' | 'database'>,
  vars: MysqlVariables = SERVICE_VARIABLES,
  connectTimeoutMs = 5_000,
): Promise<StartupProblem | null> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
      connectTimeout: connectTimeoutMs,
    });
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM schema_migrations');
    if (Number(rows[0]?.n ?? 0) === 0) return describeMysqlProblem({ code: 'ER_NO_SUCH_TABLE' }, db, vars);
    return null;
  } catch (err) {
    return describeMysqlProblem(err, db, vars);
  } finally {
    conn?.destroy();
  }
}

/**
 * serve()'s start-up check: a definite problem is printed as one line and the process exits 1; MySQL not
 * answering is logged once at warn and checked again every `retryMs` until MySQL answers (then a definite problem
 * still stops the process). Resolves once settled (or never, while MySQL does not answer).
 */
export async function startupCheck(opts: {
  service: string;
  db: Pick<DbConfig, 'host' | 'port' | 'user' | 'password' | 'database'>;
  logger: Logger;
  retryMs?: number;
  exit?: (code: number) => void;
}): Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let warned = false;
  for (;;) {
    const problem = await checkMysqlAtStart(opts.db);
    if (!problem) {
      if (warned) opts.logger.info('MySQL answers: start-up check passed');
      return;
    }
    if (problem.definite) {
      console.error(`${opts.service}: ${problem.line}`);
      exit(1);
      return;
    }
    if (!warned) opts.logger.warn(`${problem.line}: not ready until it answers`);
    warned = true;
    await new Promise((r) => setTimeout(r, opts.retryMs ?? 2_000).unref());
  }
}
