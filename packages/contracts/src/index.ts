// @ebs/contracts: what crosses NATS between the services, defined once (docs/messaging.md).
export * from './booking-messages';
export * from './ids';
export * from './stream';
