import { buildOpenApiDocument, type OpenApiDocument } from '@ebs/service-kit/observability';
import { z } from 'zod';
import { NOTIFICATION_TYPES } from '../data/notifications.repo';
import { listNotificationsQuery } from './notifications.routes';

// The OpenAPI document of notification-service: the query schema is the one notifications.routes.ts validates with.

const id = z.string().meta({ format: 'uuid' });

const notification = z
  .object({
    id,
    type: z.enum(NOTIFICATION_TYPES),
    bookingId: id,
    userId: id,
    eventId: id,
    message: z.string(),
    createdAt: z.string().meta({ format: 'date-time', example: '2099-06-01T19:30:00.000Z' }),
  })
  .meta({ id: 'Notification' });

const notificationPage = z
  .object({
    data: z.array(notification),
    pagination: z.object({ limit: z.number().int(), offset: z.number().int(), total: z.number().int() }),
  })
  .meta({ id: 'NotificationPage' });

export function buildOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'notification-service',
    version: '1.0.0',
    description:
      'Notifications stored from the bookings.* messages on NATS JetStream (durable consumer, one row per ' +
      'booking and type); read here.',
    readyChecks: ['mysql', 'nats'],
    operations: [
      {
        method: 'get',
        path: '/notifications',
        tag: 'notifications',
        summary: 'List notifications, newest first, optionally by user and booking (own only, admin all)',
        auth: true,
        query: listNotificationsQuery,
        responses: { 200: { description: 'A page of notifications', schema: notificationPage } },
        errors: ['VALIDATION_FAILED', 'UNAVAILABLE'],
      },
    ],
  });
}
