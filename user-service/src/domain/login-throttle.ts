import type { Logger } from '@ebs/service-kit/observability';
import type { LoginFailuresRepo, ThrottleBound, ThrottleLimits } from '../data/login-failures.repo';

/**
 * The login throttle (docs/api.md, Access). Failed logins of the last LOGIN_WINDOW_MS are counted in MySQL, so
 * every replica counts the same. An attempt is refused with 429, before its password is hashed, when already
 *   - email_address: 10 failures for its email came from its client address (a stranger guessing from one
 *     address never locks the owner out at another),
 *   - email: 100 failures for its email came from all addresses together (a guesser with many addresses), or
 *   - address: 50 failures came from its client address for all emails together (caps the argon2 work one
 *     address can cause, e.g. by spraying random emails).
 * "More than 10 failures ... : 429" means the 11th attempt is the first refused. An attempt counts as a failure
 * from its arrival until its password is found right (then it is forgotten), so racing guesses get exactly the
 * bound checked, never more; the price is that many logins in flight at once from one address count too.
 */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_LIMITS: Readonly<ThrottleLimits> = { email_address: 10, email: 100, address: 50 };

export const THROTTLE_MESSAGES: Readonly<Record<ThrottleBound, string>> = {
  email_address: 'Too many failed logins for this email from this address; try again later',
  email: 'Too many failed logins for this email; try again later',
  address: 'Too many failed logins from this address; try again later',
};

/** Each replica purges every PURGE_EVERY_MS, PURGE_BATCH rows per DELETE. */
export const PURGE_EVERY_MS = 5 * 60_000;
export const PURGE_BATCH = 1000;

export type PurgeResult = { failures: number; emailGates: number; addressGates: number };

export type LoginThrottlePurger = {
  /** One purge: failures older than the window, then gate rows no failure refers to, each in batches. */
  purgeOnce: () => Promise<PurgeResult>;
  start: () => void;
  /** Stops the schedule and waits for a pass under way. */
  stop: () => Promise<void>;
};

/**
 * Keeps the throttle tables small: attempts older than the window count for nothing, and a gate row without
 * attempts only costs space (the next attempt makes it again). Every replica runs it; short batches keep each
 * DELETE's locks small next to live logins, and one replica never runs two passes at once.
 */
export function createLoginThrottlePurger(deps: {
  loginFailures: LoginFailuresRepo;
  logger: Logger;
  now?: () => Date;
  everyMs?: number;
  batchSize?: number;
}): LoginThrottlePurger {
  const now = deps.now ?? (() => new Date());
  const batchSize = deps.batchSize ?? PURGE_BATCH;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function drain(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await batch();
      total += n;
      if (n < batchSize) return total;
    }
  }

  async function purgeOnce(): Promise<PurgeResult> {
    const before = new Date(now().getTime() - LOGIN_WINDOW_MS);
    const failures = await drain(() => deps.loginFailures.purgeFailuresBatch(before, batchSize));
    const emailGates = await drain(() => deps.loginFailures.purgeGatesBatch('email', batchSize));
    const addressGates = await drain(() => deps.loginFailures.purgeGatesBatch('address', batchSize));
    return { failures, emailGates, addressGates };
  }

  function tick(): void {
    if (running) return; // the previous pass is still deleting: never two at once
    running = purgeOnce()
      .then((purged) => {
        if (purged.failures + purged.emailGates + purged.addressGates > 0) {
          deps.logger.info({ purged }, 'old login throttle rows purged');
        }
      })
      .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'login throttle purge failed'))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    purgeOnce,
    start: () => {
      timer = setInterval(tick, deps.everyMs ?? PURGE_EVERY_MS);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
