import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

/** The repository root (this package lives in <root>/test-support, its build in <root>/test-support/dist). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export type Origin = 'environment' | '.env';

let dotenvCache: Record<string, string> | undefined;

/** The root .env parsed (never applied to process.env: variables already set always win). */
function dotenvValues(): Record<string, string> {
  if (!dotenvCache) {
    const file = path.join(REPO_ROOT, '.env');
    dotenvCache = existsSync(file) ? dotenv.parse(readFileSync(file)) : {};
  }
  return dotenvCache;
}

/** A variable from the environment, else from the root .env; empty counts as not set. */
export function setting(name: string): { value: string; origin: Origin } | undefined {
  const fromEnv = process.env[name];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, origin: 'environment' };
  const fromFile = dotenvValues()[name];
  if (fromFile !== undefined && fromFile !== '') return { value: fromFile, origin: '.env' };
  return undefined;
}

/** Like setting(), but an empty value in the environment or .env is kept (e.g. MYSQL_PASSWORD=). */
export function settingOrEmpty(name: string): string | undefined {
  if (process.env[name] !== undefined) return process.env[name];
  return dotenvValues()[name];
}

export type InfraMode = 'auto' | 'local' | 'containers';

/**
 * TEST_INFRA: `auto` (default) uses what is configured or answers locally and falls back to testcontainers;
 * `local` never starts containers; `containers` always does.
 */
export function infraMode(): InfraMode {
  const value = setting('TEST_INFRA')?.value ?? 'auto';
  if (value === 'auto' || value === 'local' || value === 'containers') return value;
  throw new Error(`TEST_INFRA must be auto, local or containers, not "${value}"`);
}
