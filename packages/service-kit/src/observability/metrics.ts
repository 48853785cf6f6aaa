import { type Express, type RequestHandler, Router } from 'express';
import client from 'prom-client';
import { routeTemplate } from '../http/route-table';

// Prometheus metrics of this process on prom-client's default registry: the process metrics and the HTTP
// request durations here, each service's own in its src/metrics.ts. Served at GET /metrics.

export const registry = client.register;
export { client };

client.collectDefaultMetrics({ register: registry });

const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Times every request; the route label is the matched template (`/events/:id`) or `unmatched`. */
export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      // originalUrl: routers rewrite req.url while they handle a request.
      const path = req.originalUrl.split('?')[0] ?? '/';
      end({ method: req.method, route: routeTemplate(req.app as Express, req.method, path), status: res.statusCode });
    });
    next();
  };
}

/** GET /metrics in the Prometheus text format. */
export function metricsRouter(): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
