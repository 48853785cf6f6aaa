import { ensureAccounts } from './accounts';
import { loadConfig } from './config';
import { migrate } from './migrate';

// `npm run migrate`: applies pending migrations and prints what it did; exit 1 on any failure.
async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = (line: string) => console.log(`[migrate] ${line}`);
  await ensureAccounts(cfg, log);
  const result = await migrate(cfg, log);
  console.log(
    result.applied.length === 0
      ? `[migrate] ${result.database}: schema up to date (${result.alreadyApplied} migrations applied before), nothing to do`
      : `[migrate] ${result.database}: applied ${result.applied.length} migration(s)`,
  );
}

main().catch((err: unknown) => {
  console.error(`[migrate] failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
