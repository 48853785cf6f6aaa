import type { EventRecord } from '../data/events.repo';

/** An event as the API shows it (docs/api.md). */
export type EventView = {
  id: string;
  name: string;
  description: string | null;
  venue: string | null;
  startsAt: string;
  totalSeats: number;
  availableSeats: number;
  createdAt: string;
  updatedAt: string;
};

export const eventView = (e: EventRecord): EventView => ({
  id: e.id,
  name: e.name,
  description: e.description,
  venue: e.venue,
  startsAt: e.startsAt.toISOString(),
  totalSeats: e.totalSeats,
  availableSeats: e.availableSeats,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});
