import { createPool } from '@ebs/service-kit/db';
import { customerAuth, startServiceProcess } from '@ebs/service-kit/testing';
import { loadConfig } from '../src/config';
import { availableSeats, bookingsOf, insertEvent, insertUser, outboxOf, waitFor } from './support/fixtures';
import { testConfig } from './support/test-app';

describe('a replica killed between commit and answer', () => {
  test('when the replica is SIGKILLed after committing a keyed booking but before answering, then the retry with the key on another replica gets the same booking and nothing more is booked', async () => {
    const pool = createPool(testConfig().db);
    // Replica 1 holds every booking answer 60 s after its commit (test-only hook): the window to kill it in.
    const [slow, healthy] = await Promise.all([
      startServiceProcess({ TEST_HOOK_BOOKING_ANSWER_DELAY_MS: '60000' }),
      startServiceProcess(),
    ]);
    try {
      const userId = await insertUser(pool);
      const eventId = await insertEvent(pool, 3);
      const request = (url: string) =>
        fetch(`${url}/bookings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Idempotency-Key': 'checkout-7f3a', ...customerAuth(userId) },
          body: JSON.stringify({ eventId, quantity: 2 }),
        });

      const lost = request(slow.url).then(
        (r) => r.status,
        (err: Error) => err.name,
      );
      expect(await waitFor(async () => (await bookingsOf(pool, eventId)).length === 1)).toBe(true);
      slow.proc.kill('SIGKILL');
      expect((await slow.exited).signal).toBe('SIGKILL');
      expect(await lost).toBe('TypeError'); // fetch failed: the client never got its 201

      const retry = await request(healthy.url);
      const body = (await retry.json()) as { id: string; status: string; quantity: number };
      expect(retry.status).toBe(201);
      expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
      const booked = await bookingsOf(pool, eventId);
      expect(booked).toEqual([{ id: body.id, quantity: 2 }]);
      expect(body).toMatchObject({ userId, eventId, quantity: 2, status: 'confirmed' });
      expect(await availableSeats(pool, eventId)).toBe(1);
      expect(await outboxOf(pool, [body.id])).toHaveLength(1);
    } finally {
      slow.proc.kill('SIGKILL');
      healthy.proc.kill('SIGTERM');
      await healthy.exited;
      await pool.end();
    }
  });

  test('when the answer-delay test hook is set with NODE_ENV=production, then the config refuses to start naming it', () => {
    expect(() =>
      loadConfig({ ...process.env, NODE_ENV: 'production', TEST_HOOK_BOOKING_ANSWER_DELAY_MS: '1000' }),
    ).toThrow(/TEST_HOOK_BOOKING_ANSWER_DELAY_MS/);
    expect(loadConfig({ ...process.env, NODE_ENV: 'production' }).testHooks).toEqual({
      bookingAnswerDelayMs: undefined,
    });
  });
});
