// AppError (every failure a client may see) and the one middleware that turns errors into responses.
export * from './app-error';
export * from './error-middleware';
