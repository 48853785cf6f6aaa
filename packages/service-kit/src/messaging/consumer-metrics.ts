import { client } from '../observability/metrics';

// The metrics of every durable consumer (durable-consumer.ts calls countDelivery): the same names in every
// service that consumes, labelled by consumer. Registered when the process starts its first consumer, so a
// service without one (booking-service) shows none of them.

function register() {
  return {
    deliveries: new client.Counter({
      name: 'consumer_deliveries_total',
      help: 'JetStream deliveries handled, by consumer and outcome (ack, parked, retry)',
      labelNames: ['consumer', 'outcome'] as const,
    }),
    lag: new client.Histogram({
      name: 'consumer_lag_seconds',
      help: 'Time from a message entering the stream to its handling, by consumer',
      labelNames: ['consumer'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 3600],
    }),
    pending: new client.Gauge({
      name: 'consumer_pending_messages',
      help: 'Messages in the stream not yet delivered to the consumer, as of its last delivery',
      labelNames: ['consumer'] as const,
    }),
    parked: new client.Counter({
      name: 'consumer_messages_parked_total',
      help: 'Malformed messages set aside (logged, never redelivered), by consumer',
      labelNames: ['consumer'] as const,
    }),
    stalled: new client.Gauge({
      name: 'consumer_stalled_seconds',
      help: 'Time the consumer has not been able to consume (NATS, its stream or its durable consumer gone), 0 while it consumes',
      labelNames: ['consumer'] as const,
      collect() {
        for (const [consumer, seconds] of stallClocks) this.set({ consumer }, seconds());
      },
    }),
  };
}

/** The running consumers' stall clocks, read at each scrape. */
const stallClocks = new Map<string, () => number>();

let metrics: ReturnType<typeof register> | undefined;

/** The consumer metrics, registered on first use (startDurableConsumer calls it as it starts). */
export function consumerMetrics(): ReturnType<typeof register> {
  metrics ??= register();
  return metrics;
}

export type DeliveryOutcome = 'ack' | 'parked' | 'retry';

/** One handled delivery: its outcome, how long it waited in the stream, and what still waits behind it. */
export function countDelivery(
  consumer: string,
  outcome: DeliveryOutcome,
  m: { lagSeconds: number; pending: number },
): void {
  const { deliveries, lag, pending, parked } = consumerMetrics();
  deliveries.inc({ consumer, outcome });
  lag.observe({ consumer }, Math.max(0, m.lagSeconds));
  pending.set({ consumer }, m.pending);
  if (outcome === 'parked') parked.inc({ consumer });
}

/** Reports a consumer's stall time in consumer_stalled_seconds until the function it returns is called. */
export function trackStall(consumer: string, seconds: () => number): () => void {
  consumerMetrics();
  stallClocks.set(consumer, seconds);
  return () => {
    if (stallClocks.get(consumer) === seconds) stallClocks.delete(consumer);
  };
}
