// A service's shutdown fits its grace period: preStop (production) + drain + shutdown bound + slack, with the
// bound as the service computes it (booking-service's own: its wait and transaction bounds).
import {
  BOOKING_MAX_WAIT_MS,
  GRACE_SLACK_S,
  LOCK_WAIT_TIMEOUT_SECONDS,
  problem,
  SHUTDOWN_DRAIN_MS,
  SHUTDOWN_TIMEOUT_MS,
} from './context.mjs';
import { envOf, podOf } from './k8s-view.mjs';

/** The Deployment `dep` of service `svc` (found), its problems said at `where`. */
export function checkShutdown({ prod, cm }, svc, dep, where) {
  // Shutdown: SIGTERM starts SHUTDOWN_DRAIN_MS of /ready 503 while serving, then at most SHUTDOWN_TIMEOUT_MS of
  // closing. In production a preStop sleep first lets the endpoints drop the pod; the grace period covers all three.
  // A variable as the container sees it: its own env value, else the ConfigMap's (envFrom), else undefined.
  const varOf = (c, name) => {
    const e = envOf(c, name);
    const v = e && e.value !== undefined ? e.value : cm?.data?.[name];
    return v === undefined || v === null || v === '' ? undefined : Number(v);
  };
  // booking-service (booking-service/src/config.ts): a booking that arrived as the drain ended may wait its turn and
  // then its transaction, so its bound defaults to BOOKING_MAX_WAIT_MS + MYSQL_TRANSACTION_TIMEOUT_MS + 1 s, and a
  // SHUTDOWN_TIMEOUT_MS that does not exceed the two is refused at start. The others: SHUTDOWN_TIMEOUT_MS or 8 s.
  const bookingNeededMs = (c) =>
    (varOf(c, 'BOOKING_MAX_WAIT_MS') ?? BOOKING_MAX_WAIT_MS) +
    (varOf(c, 'MYSQL_TRANSACTION_TIMEOUT_MS') ??
      (varOf(c, 'LOCK_WAIT_TIMEOUT_SECONDS') ?? LOCK_WAIT_TIMEOUT_SECONDS) * 1000 + 2000);
  const shutdownMs = (svc, c) =>
    varOf(c, 'SHUTDOWN_TIMEOUT_MS') ?? (svc === 'booking-service' ? bookingNeededMs(c) + 1000 : SHUTDOWN_TIMEOUT_MS);
  const preStopSeconds = (c) => {
    const hook = c?.lifecycle?.preStop;
    if (Number.isInteger(hook?.sleep?.seconds)) return hook.sleep.seconds;
    const m = (hook?.exec?.command ?? []).join(' ').match(/(?:^|\s|\/)sleep\s+(\d+)\b/);
    return m ? Number(m[1]) : undefined;
  };
  const pod = podOf(dep);
  const main = (pod.containers ?? []).find((c) => c.name === svc);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  const drainS = (varOf(main, 'SHUTDOWN_DRAIN_MS') ?? SHUTDOWN_DRAIN_MS) / 1000;
  const timeoutS = shutdownMs(svc, main) / 1000;
  if (svc === 'booking-service' && varOf(main, 'SHUTDOWN_TIMEOUT_MS') !== undefined) {
    const needed = bookingNeededMs(main);
    if (!(varOf(main, 'SHUTDOWN_TIMEOUT_MS') > needed))
      problem(
        where,
        `SHUTDOWN_TIMEOUT_MS ${varOf(main, 'SHUTDOWN_TIMEOUT_MS')} must exceed BOOKING_MAX_WAIT_MS + MYSQL_TRANSACTION_TIMEOUT_MS (${needed} ms): booking-service refuses to start otherwise`,
      );
  }
  if (!(grace >= drainS + timeoutS + GRACE_SLACK_S))
    problem(
      where,
      `terminationGracePeriodSeconds ${grace} must exceed drain ${drainS} s + shutdown ${timeoutS} s (SIGTERM to exit) by ${GRACE_SLACK_S} s at least`,
    );
  if (prod) {
    const preStop = preStopSeconds(main);
    if (!(preStop >= 1))
      problem(where, 'needs a preStop sleep (lifecycle.preStop exec sleep N) so endpoints drain before SIGTERM');
    else if (!(grace >= preStop + drainS + timeoutS + GRACE_SLACK_S))
      problem(
        where,
        `terminationGracePeriodSeconds ${grace} must exceed preStop ${preStop} s + drain ${drainS} s + shutdown ${timeoutS} s by ${GRACE_SLACK_S} s at least`,
      );
  }
}
