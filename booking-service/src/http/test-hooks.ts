import type { RequestHandler } from 'express';

/**
 * TEST ONLY (config TEST_HOOK_BOOKING_ANSWER_DELAY_MS, refused in production; app.ts mounts it only when
 * set): holds every POST /bookings answer `ms` after the handler produced it, that is after the commit,
 * so a test can kill the process between commit and answer.
 */
export function delayBookingAnswers(ms: number): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || req.path !== '/') {
      next();
      return;
    }
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      setTimeout(() => json(body), ms);
      return res;
    };
    next();
  };
}
