import { type Caller, ownListScope } from '@ebs/service-kit/auth';
import { type Page, type Paginated, paginated } from '@ebs/service-kit/http';
import type { NotificationFilters, NotificationsRepo } from '../data/notifications.repo';
import { type NotificationView, notificationView } from './notification-view';

/** A customer lists only their own notifications (asking for another user's is 403); an admin lists any. */
export async function listNotifications(
  deps: { notifications: NotificationsRepo },
  query: NotificationFilters & Page,
  caller: Caller,
): Promise<Paginated<NotificationView>> {
  const { limit, offset, ...filters } = query;
  const scoped = { ...filters, userId: ownListScope(caller, filters.userId, 'notifications') };
  const { notifications, total } = await deps.notifications.list(scoped, { limit, offset });
  return paginated(notifications.map(notificationView), { limit, offset }, total);
}
