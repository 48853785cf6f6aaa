// What every check shares: the root it validates (--root DIR, else the repository), the one problem list they add
// to, and the facts about the services that the compose file, the k8s overlays and the Dockerfiles are checked against.
import path from 'node:path';

const rootArg = process.argv.indexOf('--root');
export const ROOT = path.resolve(rootArg > 0 ? process.argv[rootArg + 1] : path.join(import.meta.dirname, '..', '..'));

/** Every problem found, one line each (`where: what`), in the order the checks found them. */
export const problems = [];
export const problem = (where, what) => problems.push(`${where}: ${what}`);

export const SERVICES = ['user-service', 'event-service', 'booking-service', 'notification-service'];
export const IMAGES = [...SERVICES, 'db'];
export const PORTS = {
  'user-service': '3001',
  'event-service': '3002',
  'booking-service': '3003',
  'notification-service': '3004',
};
export const PORT_VARS = {
  'user-service': 'USER_SERVICE_PORT',
  'event-service': 'EVENT_SERVICE_PORT',
  'booking-service': 'BOOKING_SERVICE_PORT',
  'notification-service': 'NOTIFICATION_SERVICE_PORT',
};
/** Credentials only the migration step may hold (compose variables and k8s Secret keys). */
export const ADMIN_SECRETS = ['MYSQL_ROOT_PASSWORD', 'MYSQL_ADMIN_PASSWORD', 'MYSQL_MIGRATE_PASSWORD'];
/** What each service talks to besides MySQL (for credentials in URLs and NetworkPolicies). */
export const USES = {
  'user-service': [],
  'event-service': ['redis', 'nats'],
  'booking-service': ['nats'],
  'notification-service': ['nats'],
};
/** The service kit's SHUTDOWN_TIMEOUT_MS and SHUTDOWN_DRAIN_MS defaults (booking-service's own bound: below). */
export const SHUTDOWN_TIMEOUT_MS = 8000;
export const SHUTDOWN_DRAIN_MS = 5000;
/** booking-service's defaults its shutdown bound is made of (booking-service/src/config.ts). */
export const BOOKING_MAX_WAIT_MS = 10000;
export const LOCK_WAIT_TIMEOUT_SECONDS = 5;
/**
 * What a grace period must leave over preStop + drain + shutdown bound: the preStop exec's own start, the signal's
 * delivery and the process's exit after its bound are not in the sum, and a pod still answering when the grace
 * period ends is killed (its clients get resets). 5 s: booking-service's 28 s in a grace period of 30 is too close.
 */
export const GRACE_SLACK_S = 5;

/** A tool's message on one line of at most `max` characters. */
export const oneLine = (text, max = 300) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
