// The MySQL pool, transactions, the readiness ping and how to tell MySQL being down from a bug.
export * from './pool';
