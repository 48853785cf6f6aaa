// The NATS link, the durable JetStream consumer (with its metrics) and the look-up of an existing stream.
export * from './consumer-metrics';
export * from './durable-consumer';
export * from './nats-link';
export * from './parked-messages';
export * from './stream-lookup';
