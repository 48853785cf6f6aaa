import { randomUUID } from 'node:crypto';
import {
  BOOKING_SUBJECTS,
  bookingMessage,
  bookingMessageHeaders,
  eventOfMessage,
  isSaneRequestId,
  isUuid,
  msgIdOf,
  parseBookingMessage,
} from '../src';

const confirmed = () => ({
  bookingId: randomUUID(),
  userId: randomUUID(),
  eventId: randomUUID(),
  quantity: 2,
  createdAt: new Date().toISOString(),
});

describe('booking messages', () => {
  test('when a confirmed message is built, then its subject and msgID follow the rules and it parses back', () => {
    const payload = confirmed();
    const m = bookingMessage('confirmed', payload);
    expect(m.subject).toBe('bookings.confirmed');
    expect(m.msgId).toBe(`${payload.bookingId}.confirmed`);
    expect(parseBookingMessage(m.subject, JSON.parse(JSON.stringify(m.payload)))).toEqual({
      kind: 'confirmed',
      payload,
    });
  });

  test('when a cancelled message is built, then it carries cancelledAt and parses back as cancelled', () => {
    const payload = { ...confirmed(), cancelledAt: new Date().toISOString() };
    const m = bookingMessage('cancelled', payload);
    expect(m).toMatchObject({ subject: BOOKING_SUBJECTS.cancelled, msgId: msgIdOf(payload.bookingId, 'cancelled') });
    expect(parseBookingMessage(m.subject, m.payload)).toEqual({ kind: 'cancelled', payload });
  });

  test('when a cancelled message lacks cancelledAt, then it is invalid and says which field', () => {
    const parsed = parseBookingMessage('bookings.cancelled', confirmed());
    expect(parsed).toEqual({ invalid: expect.stringContaining('cancelledAt') });
  });

  test.each([
    ['a quantity of 0', { quantity: 0 }],
    ['a quantity of 11', { quantity: 11 }],
    ['an eventId that is not a UUID', { eventId: 'e1' }],
    ['a createdAt that is not ISO 8601', { createdAt: 'yesterday' }],
  ])('when a confirmed message has %s, then it is invalid', (_what, change) => {
    expect(parseBookingMessage('bookings.confirmed', { ...confirmed(), ...change })).toEqual({
      invalid: expect.stringMatching(/^invalid payload/),
    });
  });

  test('when the subject is not a booking subject, then it is invalid and names the subject', () => {
    expect(parseBookingMessage('bookings.refunded', confirmed())).toEqual({
      invalid: 'unknown subject bookings.refunded',
    });
  });

  test('when ids come upper-case, then they are parsed lower-case, as stored', () => {
    const payload = confirmed();
    const parsed = parseBookingMessage('bookings.confirmed', { ...payload, eventId: payload.eventId.toUpperCase() });
    expect(parsed).toMatchObject({ payload: { eventId: payload.eventId } });
    expect(eventOfMessage.parse({ eventId: payload.eventId.toUpperCase(), other: 1 })).toEqual({
      eventId: payload.eventId,
    });
  });
});

describe('ids', () => {
  test('when an id has UUID shape of any version, then it is a UUID; anything else is not', () => {
    expect(isUuid('11111111-1111-1111-1111-111111111111')).toBe(true);
    expect(isUuid(randomUUID().toUpperCase())).toBe(true);
    expect(isUuid('11111111-1111-1111-1111-11111111111')).toBe(false);
    expect(isUuid('not-a-uuid')).toBe(false);
  });

  test('when a request id is sane, then it is kept; spaces, control characters or 129 characters are not', () => {
    expect(isSaneRequestId('req-1.a:b_c')).toBe(true);
    expect(isSaneRequestId(undefined)).toBe(false);
    expect(isSaneRequestId('a b')).toBe(false);
    expect(isSaneRequestId('a\nb')).toBe(false);
    expect(isSaneRequestId('x'.repeat(129))).toBe(false);
  });
});

describe('booking message headers', () => {
  test('when a message carries its msgID and a sane request id, then the headers parse; a bad msgID does not', () => {
    const bookingId = randomUUID();
    expect(
      bookingMessageHeaders.safeParse({ 'Nats-Msg-Id': msgIdOf(bookingId, 'cancelled'), 'X-Request-Id': 'req-1' })
        .success,
    ).toBe(true);
    expect(bookingMessageHeaders.safeParse({ 'Nats-Msg-Id': `${bookingId}.refunded` }).success).toBe(false);
    expect(bookingMessageHeaders.safeParse({ 'Nats-Msg-Id': bookingId }).success).toBe(false);
    expect(
      bookingMessageHeaders.safeParse({ 'Nats-Msg-Id': msgIdOf(bookingId, 'confirmed'), 'X-Request-Id': 'a b' })
        .success,
    ).toBe(false);
  });
});
