import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';

// The only reader of process.env in db/. A .env in the working folder or its parent (the repo root) is
// loaded; variables already set in the environment win.
const port = z.coerce.number().int().min(1).max(65535);

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
});

export type MigrateConfig = {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  lockTimeoutSeconds: number;
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
  return {
    host: c.MYSQL_HOST,
    port: c.MYSQL_PORT,
    user: c.MYSQL_USER,
    password: c.MYSQL_PASSWORD,
    database: c.MYSQL_DB,
    lockTimeoutSeconds: c.MIGRATE_LOCK_TIMEOUT,
  };
}

function readEnv(): NodeJS.ProcessEnv {
  dotenv.config({
    path: [path.resolve(process.cwd(), '.env'), path.resolve(process.cwd(), '..', '.env')],
    quiet: true,
  });
  return process.env;
}
