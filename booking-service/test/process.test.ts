import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool } from '@ebs/service-kit/db';
import { adminAuth, startServiceProcess } from '@ebs/service-kit/testing';
import { availableSeats, insertEvent, insertUser } from './support/fixtures';
import { testConfig } from './support/test-app';

describe('the service process', () => {
  test('when two replicas run side by side, then together they sell the last seat once and both exit 0 on SIGTERM', async () => {
    const pool = createPool(testConfig().db);
    const replicas = await Promise.all([startServiceProcess(), startServiceProcess()]);
    try {
      const eventId = await insertEvent(pool, 1);
      const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(pool)));
      const responses = await Promise.all(
        users.map((userId, i) =>
          fetch(`${replicas[i % 2]?.url}/bookings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...adminAuth() },
            body: JSON.stringify({ userId, eventId }),
          }),
        ),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(19).fill(409)]);
      expect(await availableSeats(pool, eventId)).toBe(0);
      for (const r of replicas) {
        expect(await (await fetch(`${r.url}/ready`)).json()).toEqual({
          status: 'ready',
          checks: { mysql: 'up', nats: 'up' },
        });
      }
    } finally {
      for (const r of replicas) r.proc.kill('SIGTERM');
      await pool.end();
    }
    for (const r of replicas) expect((await r.exited).code).toBe(0);
  });

  test('when NATS_URL is not a nats URL, then the service stops at start naming it', async () => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], { env: { ...process.env, NATS_URL: 'http://x' } });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('NATS_URL') });
  });
});
