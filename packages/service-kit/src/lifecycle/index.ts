// Serving: listen with bounds, /health and /ready, drain and ordered shutdown, start-up errors.
export * from './crash';
export * from './health';
export * from './serve';
export * from './service-app';
export * from './shutdown';
export * from './startup-check';
