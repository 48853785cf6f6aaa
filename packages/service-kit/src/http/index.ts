// The HTTP edge every service puts in front of its routes, and the helpers its routes parse input with.
export * from './edge';
export * from './pagination';
export * from './request-context';
export * from './route-table';
export * from './validation';
