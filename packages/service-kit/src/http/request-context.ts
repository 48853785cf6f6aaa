import { randomUUID } from 'node:crypto';
import { isSaneRequestId } from '@ebs/contracts';
import type { Request, RequestHandler } from 'express';
import { isDraining } from '../lifecycle/health';
import type { Logger } from '../observability/logger';

declare global {
  namespace Express {
    interface Request {
      /** The caller's X-Request-Id when it is sane, else a new UUID. */
      id: string;
      /** The service logger bound to this request's id. */
      log: Logger;
    }
  }
}

// Probes (Docker HEALTHCHECK, Kubernetes, Prometheus) call these every few seconds: their successes are
// logged at debug only, so they do not flood the logs. A 503 from /ready is an answer ("not ready"), not a
// failure of the request: warn, never error, once when it turns unready (then debug while it stays so, and info
// when it is ready again). The root `npm start` polls /ready with this User-Agent while the services start: all of
// its probes are debug.
const PROBES = new Set(['/health', '/ready', '/metrics']);
export const LAUNCHER_PROBE_AGENT = 'ebs-start-local';

const NOT_READY = 'notReady';

/** /ready's answer, logged when it changes: warn as it turns 503, info as it turns 200 again, else debug. */
function logReadiness(req: Request, line: Record<string, unknown>): void {
  const notReady = line.status === 503;
  const was = req.app.locals[NOT_READY] === true;
  req.app.locals[NOT_READY] = notReady;
  if (notReady && !was) req.log.warn(line, 'not ready');
  else if (!notReady && was) req.log.info(line, 'ready again');
  else req.log.debug(line, notReady ? 'still not ready' : 'request done');
}

/** Gives every request an id (echoed in X-Request-Id), a child logger, and one access-log line. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = isSaneRequestId(given) ? given : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { method: req.method, url: req.originalUrl, status: res.statusCode, durationMs };
      const probe = PROBES.has(req.path);
      if (probe && req.get('user-agent')?.startsWith(LAUNCHER_PROBE_AGENT)) req.log.debug(line, 'request done');
      else if (probe && req.path === '/ready' && res.statusCode === 503 && isDraining(req.app)) {
        // Shutting down is not a fault: a balancer's probes during every rolling restart.
        req.log.info(line, 'not ready: draining');
      } else if (probe && req.path === '/ready' && (res.statusCode === 200 || res.statusCode === 503)) {
        logReadiness(req, line);
      } else if (res.statusCode >= 500) req.log.error(line, 'request failed');
      else if (probe && res.statusCode < 400) req.log.debug(line, 'request done');
      else req.log.info(line, 'request done');
    });
    next();
  };
}
