import { randomUUID } from 'node:crypto';
import { type Page, type Paginated, paginated } from '@ebs/service-kit/http';
import type { EventsRepo } from '../data/events.repo';
import { type EventView, eventView } from './event-view';

export type NewEvent = {
  name: string;
  description?: string | null;
  venue?: string | null;
  startsAt: Date;
  totalSeats: number;
};

/** Creates an event with every seat available. */
export async function createEvent(deps: { events: EventsRepo }, input: NewEvent): Promise<EventView> {
  const now = new Date();
  const record = {
    id: randomUUID(),
    name: input.name,
    description: input.description ?? null,
    venue: input.venue ?? null,
    startsAt: input.startsAt,
    totalSeats: input.totalSeats,
    availableSeats: input.totalSeats,
    createdAt: now,
    updatedAt: now,
  };
  await deps.events.insert(record);
  return eventView(record);
}

export async function listEvents(deps: { events: EventsRepo }, page: Page): Promise<Paginated<EventView>> {
  const { events, total } = await deps.events.list(page);
  return paginated(events.map(eventView), page, total);
}
