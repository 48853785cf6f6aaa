// Building blocks for each service's config.ts: the shared variables, parsing, the derived settings.
export * from './env';
