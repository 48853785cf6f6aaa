import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminAuth, startServiceProcess } from '@ebs/service-kit/testing';

describe('the service process', () => {
  test('when started, then it serves events with the cache and exits 0 on SIGTERM', async () => {
    const svc = await startServiceProcess();
    try {
      const created = await fetch(`${svc.url}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...adminAuth() },
        body: JSON.stringify({ name: 'Proc', startsAt: '2099-01-01T00:00:00Z', totalSeats: 3 }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await fetch(`${svc.url}/events/${id}`)).headers.get('x-cache')).toBe('MISS');
      expect((await fetch(`${svc.url}/events/${id}`)).headers.get('x-cache')).toBe('HIT');
      let ready: unknown;
      for (let i = 0; i < 50; i++) {
        ready = await (await fetch(`${svc.url}/ready`)).json();
        if ((ready as { checks: { nats: string } }).checks.nats === 'up') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toEqual({ status: 'ready', checks: { mysql: 'up', redis: 'up', nats: 'up' } });
    } finally {
      svc.proc.kill('SIGTERM');
    }
    expect((await svc.exited).code).toBe(0);
  });

  test.each([
    ['CACHE_TTL', '0'],
    ['REDIS_URL', 'http://not-redis'],
    ['JWT_PUBLIC_KEY', 'not-a-key'],
    ['AUTH_JWKS_URL', 'ftp://keys.example.com/jwks.json'],
  ])('when %s=%s, then the service stops at start with a message naming it', async (name, value) => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], { env: { ...process.env, [name]: value } });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(name) });
  });
});
