import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServiceProcess } from './support/service-process';

describe('the service process', () => {
  test('when started, then it serves events with the cache and exits 0 on SIGTERM', async () => {
    const svc = await startServiceProcess();
    try {
      const created = await fetch(`${svc.url}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Proc', startsAt: '2027-01-01T00:00:00Z', totalSeats: 3 }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await fetch(`${svc.url}/events/${id}`)).headers.get('x-cache')).toBe('MISS');
      expect((await fetch(`${svc.url}/events/${id}`)).headers.get('x-cache')).toBe('HIT');
      const ready = await fetch(`${svc.url}/ready`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { mysql: 'up', redis: 'up' } });
    } finally {
      svc.proc.kill('SIGTERM');
    }
    expect((await svc.exited).code).toBe(0);
  });

  test.each([
    ['CACHE_TTL', '0'],
    ['REDIS_URL', 'http://not-redis'],
  ])('when %s=%s, then the service stops at start with a message naming it', async (name, value) => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], { env: { ...process.env, [name]: value } });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(name) });
  });
});
