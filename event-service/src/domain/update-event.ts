import { withTransaction } from '@ebs/service-kit/db';
import { AppError, notFound } from '@ebs/service-kit/errors';
import type { Pool } from 'mysql2/promise';
import type { EventChanges, EventsRepo } from '../data/events.repo';
import { type EventView, eventView } from './event-view';

export type EventPatch = EventChanges & { totalSeats?: number };

export type UpdateEventDeps = { pool: Pool; events: EventsRepo };

/**
 * PATCH /events/:id. Under the event's row lock (the one bookings take), a new totalSeats moves
 * availableSeats by the same amount; a total below the seats already booked is 409 CONFLICT. The cache needs
 * no invalidation: every read checks a cached entry against the row (get-event.ts), so the next GET shows
 * the new values on every replica, whatever Redis does.
 */
export async function updateEvent(deps: UpdateEventDeps, id: string, patch: EventPatch): Promise<EventView> {
  const { totalSeats, ...changes } = patch;
  const updated = await withTransaction(deps.pool, async (conn) => {
    const current = await deps.events.lockById(conn, id);
    if (!current) throw notFound('Event');
    const booked = current.totalSeats - current.availableSeats;
    if (totalSeats !== undefined && totalSeats < booked) {
      throw new AppError(
        'CONFLICT',
        `totalSeats ${totalSeats} is below the ${booked} seats already booked for this event`,
      );
    }
    const delta = totalSeats === undefined ? 0 : totalSeats - current.totalSeats;
    const updatedAt = new Date();
    await deps.events.update(conn, id, changes, delta, updatedAt);
    return {
      ...current,
      ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      totalSeats: current.totalSeats + delta,
      availableSeats: current.availableSeats + delta,
      updatedAt,
    };
  });
  return eventView(updated);
}
