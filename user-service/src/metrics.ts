import { client } from '@ebs/service-kit/observability';
import type { ThrottleBound } from './data/login-failures.repo';

// user-service's own Prometheus metrics (the kit has the process and HTTP ones).

const passwordChecks = new client.Counter({
  name: 'password_checks_total',
  help: 'argon2id password verifications (each costs about 19 MiB and tens of ms of CPU); the login throttle bounds them',
});

const loginsThrottled = new client.Counter({
  name: 'logins_throttled_total',
  help: 'POST /auth/token refused 429 before any hashing, by the bound reached (email_address, email, address)',
  labelNames: ['bound'] as const,
});

export const countPasswordCheck = (): void => passwordChecks.inc();
export const countLoginThrottled = (bound: ThrottleBound): void => loginsThrottled.inc({ bound });
