import { bookingMessageHeaders, eventOfMessage, msgIdOf, parseBookingMessage } from '@ebs/contracts';
import { adminAuth, oneAppPerFile } from '@ebs/service-kit/testing';
import request from 'supertest';
import { insertEvent, insertUser, type StreamMessage, streamMessages, waitFor } from './support/fixtures';
import { createTestApp } from './support/test-app';

// What booking-service publishes is what its consumers accept: the messages it puts in JetStream, as they are
// there, parse with the schemas notification-service (parseBookingMessage) and event-service (eventOfMessage)
// read them with, all from @ebs/contracts.

const t = oneAppPerFile(() => createTestApp({}, { startRelay: true }));

async function messagesOf(bookingId: string, count: number): Promise<StreamMessage[]> {
  const nc = t.nats.connection();
  if (!nc) throw new Error('test NATS link is not connected');
  const mine = async () => (await streamMessages(nc)).filter((m) => m.data.bookingId === bookingId);
  expect(await waitFor(async () => (await mine()).length === count)).toBe(true);
  return mine();
}

describe('the booking messages in JetStream', () => {
  test('when a booking is made and cancelled, then both messages parse with the consumers’ schemas and keep the msgID rule', async () => {
    const userId = await insertUser(t.pool);
    const eventId = await insertEvent(t.pool, 5);
    const made = await request(t.app).post('/bookings').set(adminAuth()).send({ userId, eventId, quantity: 3 });
    expect(made.status).toBe(201);
    const cancelled = await request(t.app).post(`/bookings/${made.body.id}/cancel`).set(adminAuth());
    expect(cancelled.status).toBe(200);

    const [confirmedMsg, cancelledMsg] = (await messagesOf(made.body.id, 2)).sort((x, y) => x.seq - y.seq);
    expect(parseBookingMessage(String(confirmedMsg?.subject), confirmedMsg?.data)).toEqual({
      kind: 'confirmed',
      payload: { bookingId: made.body.id, userId, eventId, quantity: 3, createdAt: made.body.createdAt },
    });
    expect(parseBookingMessage(String(cancelledMsg?.subject), cancelledMsg?.data)).toEqual({
      kind: 'cancelled',
      payload: {
        bookingId: made.body.id,
        userId,
        eventId,
        quantity: 3,
        createdAt: made.body.createdAt,
        cancelledAt: cancelled.body.cancelledAt,
      },
    });
    expect(confirmedMsg?.msgId).toBe(msgIdOf(made.body.id, 'confirmed'));
    expect(cancelledMsg?.msgId).toBe(msgIdOf(made.body.id, 'cancelled'));
    for (const m of [confirmedMsg, cancelledMsg]) {
      expect(eventOfMessage.parse(m?.data)).toEqual({ eventId });
      expect(bookingMessageHeaders.safeParse({ 'Nats-Msg-Id': m?.msgId }).success).toBe(true);
    }
  });
});
