import { decideSeats, type LockedSeats, type SeatRequest } from '../src/domain/seat-decisions';

// The seat decisions of a batch are a pure function: no database, no clock but the one given.

const now = new Date('2030-06-01T12:00:00Z');
const later = new Date('2030-06-02T12:00:00Z');
const known = new Set(['u1', 'u2', 'u3']);

const event = (availableSeats: number, startsAt = later): LockedSeats => ({ availableSeats, startsAt });
const req = (quantity: number, userId = 'u1'): SeatRequest => ({ userId, quantity });

function decide(
  events: Record<string, LockedSeats>,
  groups: Record<string, SeatRequest[]>,
  keyTaken?: ReadonlySet<SeatRequest>,
) {
  return decideSeats({
    now,
    events: new Map(Object.entries(events)),
    knownUsers: known,
    groups: Object.entries(groups).map(([eventId, requests]) => ({ eventId, requests })),
    keyTaken,
  });
}

describe('decideSeats', () => {
  test('when requests fit, then each is booked in arrival order and the event gives up their seats', () => {
    const rs = [req(2), req(1, 'u2'), req(3, 'u3')];
    const { decisions, seatsTaken } = decide({ e: event(6) }, { e: rs });
    expect(decisions).toEqual(rs.map((request) => ({ eventId: 'e', request, outcome: { ok: true } })));
    expect(seatsTaken).toEqual(new Map([['e', 6]]));
  });

  test('when a request asks for more seats than are left, then it is sold out with the seats left, and a later smaller one still fits', () => {
    const { decisions, seatsTaken } = decide({ e: event(5) }, { e: [req(3), req(4), req(2), req(1)] });
    expect(decisions.map((d) => d.outcome)).toEqual([
      { ok: true },
      { ok: false, reason: 'sold-out', seatsLeft: 2 },
      { ok: true },
      { ok: false, reason: 'sold-out', seatsLeft: 0 },
    ]);
    expect(seatsTaken).toEqual(new Map([['e', 5]]));
  });

  test('when the event is unknown, then every request of it is refused and it takes no seats', () => {
    const { decisions, seatsTaken } = decide({}, { gone: [req(1), req(2, 'u2')] });
    expect(decisions.map((d) => d.outcome)).toEqual([
      { ok: false, reason: 'event-unknown' },
      { ok: false, reason: 'event-unknown' },
    ]);
    expect(seatsTaken.size).toBe(0);
  });

  test('when the event starts at the batch clock or before, then every request of it is refused as started', () => {
    for (const startsAt of [now, new Date(now.getTime() - 1)]) {
      const { decisions, seatsTaken } = decide({ e: event(10, startsAt) }, { e: [req(1), req(1, 'u2')] });
      expect(decisions.map((d) => d.outcome)).toEqual([
        { ok: false, reason: 'event-started' },
        { ok: false, reason: 'event-started' },
      ]);
      expect(seatsTaken.size).toBe(0);
    }
    const { decisions } = decide({ e: event(10, new Date(now.getTime() + 1)) }, { e: [req(1)] });
    expect(decisions[0]?.outcome).toEqual({ ok: true });
  });

  test('when a user is unknown, then only that request is refused and the others are booked', () => {
    const { decisions, seatsTaken } = decide({ e: event(3) }, { e: [req(1), req(2, 'nobody'), req(2, 'u2')] });
    expect(decisions.map((d) => d.outcome)).toEqual([
      { ok: true },
      { ok: false, reason: 'user-unknown' },
      { ok: true },
    ]);
    expect(seatsTaken).toEqual(new Map([['e', 3]]));
  });

  test('when a request’s Idempotency-Key is taken, then it takes no seats and the requests after it may use them', () => {
    const taken = req(2);
    const after = req(3, 'u2');
    const { decisions, seatsTaken } = decide({ e: event(3) }, { e: [taken, after] }, new Set([taken]));
    expect(decisions.map((d) => d.outcome)).toEqual([{ ok: false, reason: 'key-taken' }, { ok: true }]);
    expect(seatsTaken).toEqual(new Map([['e', 3]]));
  });

  test('when a request whose key is taken asks for more than is left, then it is sold out (seats are decided first)', () => {
    const taken = req(4);
    const { decisions } = decide({ e: event(3) }, { e: [taken] }, new Set([taken]));
    expect(decisions[0]?.outcome).toEqual({ ok: false, reason: 'sold-out', seatsLeft: 3 });
  });

  test('when a batch holds several events, then each is decided by its own seats, in group order, and only events that sold are listed', () => {
    const { decisions, seatsTaken } = decide(
      { a: event(2), b: event(1), c: event(0) },
      { a: [req(2)], b: [req(2)], c: [req(1)], x: [req(1)] },
    );
    expect(decisions.map((d) => [d.eventId, d.outcome])).toEqual([
      ['a', { ok: true }],
      ['b', { ok: false, reason: 'sold-out', seatsLeft: 1 }],
      ['c', { ok: false, reason: 'sold-out', seatsLeft: 0 }],
      ['x', { ok: false, reason: 'event-unknown' }],
    ]);
    expect(seatsTaken).toEqual(new Map([['a', 2]]));
  });

  test('when nothing is asked, then nothing is decided and no seats are taken', () => {
    expect(decide({ e: event(5) }, { e: [] })).toEqual({ decisions: [], seatsTaken: new Map() });
  });
});
