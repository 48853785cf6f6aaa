import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';

// The only reader of process.env in db/. A .env in the working folder or its parent (the repo root) is
// loaded; variables already set in the environment win.
const port = z.coerce.number().int().min(1).max(65535);
const account = z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'letters, digits, _ . - only, at most 32');

const schema = z.object({
  MYSQL_HOST: z.string().min(1).default('127.0.0.1'),
  MYSQL_PORT: port.default(3306),
  MYSQL_USER: z.string().min(1).default('root'),
  MYSQL_PASSWORD: z.string().default(''),
  MYSQL_DB: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only, at most 64')
    .default('ebs'),
  MIGRATE_LOCK_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(120),
  /** `--wait`: how long to wait for the schema before exit 1. */
  MIGRATE_WAIT_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(600),
  // Optional accounts (compose, k8s): the runner connects as the admin, makes sure the migration account
  // (DDL) and the app account MYSQL_USER (DML only) exist with the configured passwords, then migrates.
  MYSQL_ADMIN_USER: account.optional(),
  MYSQL_ADMIN_PASSWORD: z.string().default(''),
  MYSQL_MIGRATE_USER: account.optional(),
  MYSQL_MIGRATE_PASSWORD: z.string().default(''),
});

export type Account = { user: string; password: string };

export type MigrateConfig = {
  host: string;
  port: number;
  /** The account the migrations run as. */
  user: string;
  password: string;
  database: string;
  lockTimeoutSeconds: number;
  waitTimeoutSeconds?: number;
  /** MYSQL_USER: the services' account (`--wait` reads as it). */
  app?: Account;
  /** Set when MYSQL_ADMIN_USER is: the accounts to make sure of before migrating. */
  accounts?: { admin: Account; migrator?: Account; app: Account };
};

export function loadConfig(env: NodeJS.ProcessEnv = readEnv()): MigrateConfig {
  // An empty value means "not set" (e.g. `MYSQL_PORT=` in .env), so the default applies.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const app = { user: c.MYSQL_USER, password: c.MYSQL_PASSWORD };
  const migrator = c.MYSQL_MIGRATE_USER
    ? { user: c.MYSQL_MIGRATE_USER, password: c.MYSQL_MIGRATE_PASSWORD }
    : undefined;
  const admin = c.MYSQL_ADMIN_USER ? { user: c.MYSQL_ADMIN_USER, password: c.MYSQL_ADMIN_PASSWORD } : undefined;
  if (admin && migrator && migrator.user === app.user) {
    throw new Error(
      'Invalid configuration:\n  MYSQL_MIGRATE_USER: must differ from MYSQL_USER (the app account gets DML only)',
    );
  }
  // Without an admin the accounts are someone else's business: migrate as MYSQL_MIGRATE_USER, else MYSQL_USER.
  const runner = migrator ?? admin ?? app;
  return {
    host: c.MYSQL_HOST,
    port: c.MYSQL_PORT,
    user: runner.user,
    password: runner.password,
    database: c.MYSQL_DB,
    lockTimeoutSeconds: c.MIGRATE_LOCK_TIMEOUT,
    waitTimeoutSeconds: c.MIGRATE_WAIT_TIMEOUT,
    app,
    accounts: admin ? { admin, migrator, app } : undefined,
  };
}

function readEnv(): NodeJS.ProcessEnv {
  dotenv.config({
    path: [path.resolve(process.cwd(), '.env'), path.resolve(process.cwd(), '..', '.env')],
    quiet: true,
  });
  return process.env;
}
