import type { Notification } from '../data/notifications.repo';

export type NotificationView = Omit<Notification, 'createdAt'> & { createdAt: string };

export const notificationView = (n: Notification): NotificationView => ({
  id: n.id,
  type: n.type,
  bookingId: n.bookingId,
  userId: n.userId,
  eventId: n.eventId,
  message: n.message,
  createdAt: n.createdAt.toISOString(),
});
