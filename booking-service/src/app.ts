import type { TokenVerifier } from '@ebs/service-kit/auth';
import { mysqlCheck } from '@ebs/service-kit/db';
import { createServiceApp } from '@ebs/service-kit/lifecycle';
import { natsCheck } from '@ebs/service-kit/messaging';
import type { Logger } from '@ebs/service-kit/observability';
import type { Express } from 'express';
import type { Pool } from 'mysql2/promise';
import type { Repos } from './data/repos';
import type { BookingRush } from './domain/book-seats';
import { createIdempotency, createWaitlistIdempotency } from './domain/idempotency';
import { bookingsRouter } from './http/bookings.routes';
import { buildOpenApi } from './http/openapi';
import { delayBookingAnswers } from './http/test-hooks';
import { waitlistRouter } from './http/waitlist.routes';
import { watchOutbox, watchWaitlist } from './metrics';

export type AppDeps = {
  pool: Pool;
  /** The repositories, built once over `pool` (createRepos). */
  repos: Repos;
  logger: Logger;
  /** Verifies bearer tokens locally (every /bookings route needs one). */
  auth: TokenVerifier;
  /** NATS is reported by /ready but never makes the service unready: bookings wait in the outbox. */
  natsConnected: () => boolean;
  /** The per-event booking queues of this replica (createBookingRush). */
  rush: BookingRush;
  /**
   * Called after each committed cancel, confirm, expiry or waitlist change that wrote outbox messages (the
   * outbox relay's kick; bookings tell the rush's own).
   */
  onOutboxWritten: () => void;
  /** An offer to the waitlist lasts this long (OFFER_TTL_SECONDS). */
  offerTtlSeconds: number;
  /** The clock of cancellations and Idempotency-Keys (tests inject one); default: the system clock. */
  now?: () => Date;
  /** Test-only hooks from config (never set in production). */
  testHooks?: { bookingAnswerDelayMs?: number };
};

/** Builds the HTTP app from its dependencies; never listens (main.ts and tests do). */
export function buildApp(deps: AppDeps): Express {
  const { pool, repos, logger } = deps;
  watchOutbox(repos.outbox);
  watchWaitlist(repos.waitlist);
  const now = deps.now ?? (() => new Date());
  const seats = { pool, repos, onCommitted: deps.onOutboxWritten, now, offerTtlSeconds: deps.offerTtlSeconds };
  const answerDelayMs = deps.testHooks?.bookingAnswerDelayMs;
  return createServiceApp({
    logger,
    routes: (app) => {
      if (answerDelayMs) app.use('/bookings', delayBookingAnswers(answerDelayMs));
      app.use(
        '/bookings',
        bookingsRouter({
          ...seats,
          rush: deps.rush,
          auth: deps.auth,
          idempotency: createIdempotency({ idempotency: repos.idempotency, bookings: repos.bookings, now }),
        }),
      );
      app.use(
        '/waitlist',
        waitlistRouter({
          ...seats,
          auth: deps.auth,
          waitlistIdempotency: createWaitlistIdempotency({
            idempotency: repos.idempotency,
            waitlist: repos.waitlist,
            now,
          }),
        }),
      );
    },
    checks: [mysqlCheck(pool), natsCheck(deps.natsConnected)],
    openApi: buildOpenApi(),
  });
}
