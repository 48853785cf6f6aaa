import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool } from '@ebs/service-kit/db';
import { adminAuth, startServiceProcess } from '@ebs/service-kit/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { headers } from 'nats';
import { confirmedPayload, publisher, waitFor } from './support/fixtures';
import { testConfig } from './support/test-app';

describe('the service process', () => {
  test('when a booking message carries X-Request-Id, then the log line for handling it carries that request id', async () => {
    const svc = await startServiceProcess();
    const pub = await publisher();
    try {
      const p = confirmedPayload();
      const h = headers();
      h.set('X-Request-Id', 'req-from-the-booking-request');
      await pub.jetstream().publish('bookings.confirmed', new TextEncoder().encode(JSON.stringify(p)), {
        msgID: `${p.bookingId}.confirmed`,
        headers: h,
      });
      const handled = () =>
        svc.logs.find((l) => l.msg === 'message handled' && l.requestId === 'req-from-the-booking-request');
      expect(await waitFor(async () => handled() !== undefined, 10_000)).toBe(true);
      expect(handled()).toMatchObject({ level: 30, service: 'notification-service', subject: 'bookings.confirmed' });
    } finally {
      await pub.close();
      svc.proc.kill('SIGTERM');
      await svc.exited;
    }
  });

  test('when started, then it serves and on SIGTERM stops its consumer, drains NATS and exits 0', async () => {
    const svc = await startServiceProcess();
    const res = await fetch(`${svc.url}/notifications?limit=1`, { headers: adminAuth() });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300)); // let the consumer start
    svc.proc.kill('SIGTERM');
    expect((await svc.exited).code).toBe(0);
    const steps = svc.logs.map((l) => l.msg);
    expect(steps).toContain('shutdown complete');
    expect(svc.logs.some((l) => l.level === 50)).toBe(false); // no step failed
  });

  test('when SIGTERM arrives in the middle of a backlog, then it exits 0 promptly and after a restart every message is stored once', async () => {
    const pub = await publisher();
    const pool = createPool(testConfig().db);
    try {
      const payloads = Array.from({ length: 400 }, () => confirmedPayload());
      await Promise.all(payloads.map((p) => pub.publishJs('bookings.confirmed', p, `${p.bookingId}.confirmed`)));
      const ids = payloads.map((p) => p.bookingId);
      const stored = async () => {
        const [rows] = await pool.query<RowDataPacket[]>(
          'SELECT booking_id, COUNT(*) AS n FROM notifications WHERE booking_id IN (?) GROUP BY booking_id',
          [ids],
        );
        return rows;
      };

      const first = await startServiceProcess({ NATS_ACK_WAIT_MS: '1000' });
      expect(await waitFor(async () => (await stored()).length > 0, 5_000)).toBe(true);
      const signalled = Date.now();
      first.proc.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(5_000);

      const second = await startServiceProcess({ NATS_ACK_WAIT_MS: '1000' });
      try {
        expect(await waitFor(async () => (await stored()).length === ids.length, 20_000)).toBe(true);
        expect((await stored()).every((r) => Number(r.n) === 1)).toBe(true);
      } finally {
        second.proc.kill('SIGTERM');
        expect((await second.exited).code).toBe(0);
      }
    } finally {
      await pub.close();
      await pool.end();
    }
  });

  test('when a message carries X-Request-Id, then the service logs one info line for it with that requestId', async () => {
    const pub = await publisher();
    const svc = await startServiceProcess();
    try {
      const payload = confirmedPayload();
      await pub.publishJs('bookings.confirmed', payload, `${payload.bookingId}.confirmed`, {
        'X-Request-Id': 'req-handled-42',
      });
      const line = () => svc.logs.find((l) => l.msg === 'message handled' && l.requestId === 'req-handled-42');
      expect(await waitFor(async () => line() !== undefined, 5_000)).toBe(true);
      expect(line()).toMatchObject({ level: 30, subject: 'bookings.confirmed', consumer: 'notification-service' });
      expect(svc.logs.filter((l) => l.requestId === 'req-handled-42')).toHaveLength(1);
    } finally {
      svc.proc.kill('SIGTERM');
      await svc.exited;
      await pub.close();
    }
  });

  test('when NATS_ACK_WAIT_MS is invalid, then the service stops at start naming it', async () => {
    const main = path.resolve(__dirname, '..', 'dist', 'main.js');
    const run = promisify(execFile)(process.execPath, [main], { env: { ...process.env, NATS_ACK_WAIT_MS: 'soon' } });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('NATS_ACK_WAIT_MS') });
  });
});
