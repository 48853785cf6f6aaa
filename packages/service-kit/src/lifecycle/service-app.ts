import express, { type Express, Router } from 'express';
import { errorMiddleware, notFoundRoute } from '../errors/error-middleware';
import { httpEdge } from '../http/edge';
import { requestContext } from '../http/request-context';
import type { Logger } from '../observability/logger';
import { httpMetrics, metricsRouter } from '../observability/metrics';
import { docsRouter, type OpenApiDocument } from '../observability/openapi';
import { type DependencyCheck, healthRouter } from './health';

/**
 * A service's Express app as every service builds it: request id and access log, request metrics, the HTTP edge
 * (limits, content types, 405), then the service's own routes (first: every layer a request passes costs a match,
 * and the API is the hot path), /health and /ready over `checks`, /metrics, /openapi.json and /docs, GET / (the
 * service's name and where to look next, for whoever opens the bare URL), 404 for
 * anything else and the one error middleware. Never listens (main.ts serves it, tests call it in process).
 */
export function createServiceApp(opts: {
  logger: Logger;
  /** Mounts the service's routers. */
  routes: (app: Express) => void;
  /** What /ready reports (docs/api.md: MySQL alone makes a service unready). */
  checks: DependencyCheck[];
  openApi: OpenApiDocument;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(opts.logger));
  app.use(httpMetrics());
  app.use(httpEdge());
  opts.routes(app);
  app.use(healthRouter(opts.checks));
  app.use(metricsRouter());
  app.use(docsRouter(opts.openApi));
  app.use(rootRouter(opts.openApi));
  app.use(notFoundRoute);
  app.use(errorMiddleware(opts.logger));
  return app;
}

/** GET /: JSON naming the service (the OpenAPI title) and linking its docs, spec and liveness. */
function rootRouter(openApi: OpenApiDocument): Router {
  const router = Router();
  const body = {
    service: openApi.info.title,
    version: openApi.info.version,
    links: { docs: '/docs', openapi: '/openapi.json', health: '/health' },
  };
  router.get('/', (_req, res) => {
    res.json(body);
  });
  return router;
}
