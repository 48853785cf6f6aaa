// The NATS link, the durable JetStream consumer (with its metrics) and the look-up of an existing stream.

export * from '../data/parked-messages.repo';
export * from './consumer-metrics';
export * from './durable-consumer';
export * from './nats-link';
export * from './stream-lookup';
