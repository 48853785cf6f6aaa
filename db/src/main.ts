import { ensureAccounts } from './accounts';
import { loadConfig } from './config';
import { migrate } from './migrate';
import { waitForSchema } from './wait';

// `npm run migrate`: applies pending migrations and prints what it did; exit 1 on any failure.
// `node dist/main.js --wait`: changes nothing; exits 0 once every migration of this image is applied.
async function main(): Promise<void> {
  const cfg = loadConfig();
  const log = (line: string) => console.log(`[migrate] ${line}`);
  if (process.argv.includes('--wait')) {
    // As the services' own account (MYSQL_USER): the init container of a service pod holds nothing more.
    await waitForSchema({ ...cfg, ...cfg.app }, cfg.waitTimeoutSeconds ?? 600, log);
    return;
  }
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
