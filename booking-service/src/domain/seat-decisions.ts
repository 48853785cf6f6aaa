// The seat decisions of one booking batch, with no I/O: given the locked events and the requests of each event
// in arrival order, what each request gets and how many seats each event gives up (docs/api.md "Ticket rush").

/** An event row as the batch locked it. */
export type LockedSeats = { availableSeats: number; startsAt: Date };

/** What a decision needs of a request. */
export type SeatRequest = { userId: string; quantity: number };

export type SeatOutcome =
  | { ok: true }
  | { ok: false; reason: 'event-unknown' | 'event-started' | 'user-unknown' | 'key-taken' }
  | { ok: false; reason: 'sold-out'; seatsLeft: number };

export type SeatDecisionsInput<R extends SeatRequest> = {
  /** The clock of the batch: an event starting at or before it has started. */
  now: Date;
  /** The locked events by id; an id missing here has no event. */
  events: ReadonlyMap<string, LockedSeats>;
  /** The users that exist. */
  knownUsers: ReadonlySet<string>;
  /** Per event, its requests in arrival order. */
  groups: ReadonlyArray<{ eventId: string; requests: readonly R[] }>;
  /** Requests whose Idempotency-Key another request committed first: they take nothing. */
  keyTaken?: ReadonlySet<R>;
};

export type SeatDecisions<R> = {
  /** One per request: group by group, each group's in arrival order. */
  decisions: Array<{ eventId: string; request: R; outcome: SeatOutcome }>;
  /** Seats taken per event; an event that sold none is absent. */
  seatsTaken: Map<string, number>;
};

/**
 * For each event: unknown -> every request of it is refused (event-unknown); started (startsAt <= now) -> every
 * request is refused (event-started); else its requests in arrival order: unknown user -> user-unknown; more
 * seats asked than left -> sold-out (a later, smaller request may still fit); its Idempotency-Key taken ->
 * key-taken (takes nothing); else booked, and its seats are taken.
 */
export function decideSeats<R extends SeatRequest>(input: SeatDecisionsInput<R>): SeatDecisions<R> {
  const decisions: SeatDecisions<R>['decisions'] = [];
  const seatsTaken = new Map<string, number>();
  for (const { eventId, requests } of input.groups) {
    const event = input.events.get(eventId);
    if (event === undefined || event.startsAt.getTime() <= input.now.getTime()) {
      const reason = event === undefined ? 'event-unknown' : 'event-started';
      for (const request of requests) decisions.push({ eventId, request, outcome: { ok: false, reason } });
      continue;
    }
    let left = event.availableSeats;
    for (const request of requests) {
      let outcome: SeatOutcome;
      if (!input.knownUsers.has(request.userId)) outcome = { ok: false, reason: 'user-unknown' };
      else if (request.quantity > left) outcome = { ok: false, reason: 'sold-out', seatsLeft: left };
      else if (input.keyTaken?.has(request)) outcome = { ok: false, reason: 'key-taken' };
      else {
        left -= request.quantity;
        outcome = { ok: true };
      }
      decisions.push({ eventId, request, outcome });
    }
    if (left < event.availableSeats) seatsTaken.set(eventId, event.availableSeats - left);
  }
  return { decisions, seatsTaken };
}
