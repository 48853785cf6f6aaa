import type { WaitlistEntryRead, WaitlistStatus } from '../data/waitlist.repo';

/**
 * A waitlist entry as the API answers it: `position` (1 = first in line, among the waiting) only while it
 * waits; `bookingId` and `expiresAt` (the hold made for it and its deadline) once it was offered.
 */
export type WaitlistEntryView = {
  id: string;
  eventId: string;
  userId: string;
  quantity: number;
  status: WaitlistStatus;
  position?: number;
  bookingId?: string;
  expiresAt?: string;
  createdAt: string;
  updatedAt: string;
};

export const waitlistEntryView = (e: WaitlistEntryRead): WaitlistEntryView => ({
  id: e.id,
  eventId: e.eventId,
  userId: e.userId,
  quantity: e.quantity,
  status: e.status,
  ...(e.status === 'waiting' && e.position !== undefined ? { position: e.position } : {}),
  ...(e.bookingId ? { bookingId: e.bookingId } : {}),
  ...(e.bookingId && e.expiresAt ? { expiresAt: e.expiresAt.toISOString() } : {}),
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});
