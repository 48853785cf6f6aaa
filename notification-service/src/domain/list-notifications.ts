import type { NotificationFilters, NotificationsRepo } from '../data/notifications.repo';
import { type Page, type Paginated, paginated } from '../lib/pagination';
import { type NotificationView, notificationView } from './notification-view';

export async function listNotifications(
  deps: { notifications: NotificationsRepo },
  query: NotificationFilters & Page,
): Promise<Paginated<NotificationView>> {
  const { limit, offset, ...filters } = query;
  const { notifications, total } = await deps.notifications.list(filters, { limit, offset });
  return paginated(notifications.map(notificationView), { limit, offset }, total);
}
