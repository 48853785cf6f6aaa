import { createPool } from '@ebs/service-kit/db';
import { loadConfig } from './config';
import { createNotificationsRepo } from './data/notifications.repo';
import { createParkedMessagesRepo } from './data/parked-messages.repo';
import { replayParked } from './domain/replay-parked';
import { CONSUMER_NAME } from './messaging/bookings.consumer';

/**
 * `npm run replay-parked [-- --id N]`: stores the notifications of parked messages once their cause is fixed
 * (see docs/api-by-example.md, "Parked messages"). Safe to run any number of times, also while the service runs.
 */
async function main(): Promise<void> {
  const at = process.argv.indexOf('--id');
  const onlyId = at === -1 ? undefined : Number(process.argv[at + 1]);
  if (onlyId !== undefined && !(Number.isSafeInteger(onlyId) && onlyId > 0)) {
    throw new Error('--id takes the id of a parked_messages row');
  }
  const config = loadConfig();
  const pool = createPool(config.db);
  try {
    const deps = { parked: createParkedMessagesRepo(pool), notifications: createNotificationsRepo(pool) };
    const { replayed, stillParked } = await replayParked(deps, CONSUMER_NAME, onlyId);
    console.log(`replayed ${replayed.length} parked message(s)${replayed.length ? `: ${replayed.join(', ')}` : ''}`);
    for (const p of stillParked) console.log(`still parked: ${p.id} (${p.reason})`);
  } finally {
    await pool.end();
  }
}

main().catch((err: Error) => {
  console.error(`replay-parked failed: ${err.message}`);
  process.exit(1);
});
