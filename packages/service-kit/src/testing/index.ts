// Test helpers every service's tests use: the HTTP-edge suite, real tokens, a service started as a process,
// a Prometheus text parser. Only tests import this entry.

export * from './app-per-file';
export * from './bookings-stream';
export * from './contract-errors';
export * from './http-edge-suite';
export * from './openapi-suite';
export * from './own-nats';
export * from './prom-text';
export * from './service-process';
export * from './stream-ownership-suite';
export * from './tokens';
