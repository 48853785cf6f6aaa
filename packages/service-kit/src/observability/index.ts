// Logs (pino), Prometheus metrics (prom-client) and the OpenAPI document with its Swagger UI.
export * from './logger';
export * from './metrics';
export * from './openapi';
