import { randomUUID } from 'node:crypto';
import type { Logger } from '@ebs/service-kit/observability';
import type { UsersRepo } from '../data/users.repo';
import { hashPassword } from './passwords';

/**
 * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD when no user has that email. The unique email key
 * decides between replicas starting at once: one insert wins, the others find it taken. An existing user
 * with that email is left as it is (never promoted: whoever signed up with it first would become admin).
 */
export async function ensureAdmin(
  deps: { users: UsersRepo; logger: Logger },
  admin: { email: string; password: string },
): Promise<'created' | 'exists'> {
  const existing = await deps.users.findCredentials(admin.email);
  if (existing) {
    if (existing.role !== 'admin')
      deps.logger.warn({ email: admin.email }, 'ADMIN_EMAIL belongs to a customer; not promoted');
    return 'exists';
  }
  const outcome = await deps.users.insert({
    id: randomUUID(),
    name: 'Administrator',
    email: admin.email,
    passwordHash: await hashPassword(admin.password),
    role: 'admin',
    createdAt: new Date(),
  });
  if (outcome === 'inserted') deps.logger.info({ email: admin.email }, 'admin user created');
  return outcome === 'inserted' ? 'created' : 'exists';
}
