import { natsCheck } from '../src/messaging/nats-link';

// /ready's nats check: down while disconnected, and while a durable consumer reports itself stalled (it has not
// been able to consume for longer than CONSUMER_STALL_SECONDS); never required.
describe('natsCheck', () => {
  const consumer = (stalled: boolean) => ({ stalled: () => stalled });

  test('when connected and no consumer is stalled, then it is up', async () => {
    await expect(natsCheck(() => true).check()).resolves.toBeUndefined();
    await expect(natsCheck(() => true, [consumer(false), consumer(false)]).check()).resolves.toBeUndefined();
  });

  test('when disconnected, or connected with a stalled consumer, then it is down and not required', async () => {
    await expect(natsCheck(() => false, [consumer(false)]).check()).rejects.toThrow('nats disconnected');
    const check = natsCheck(() => true, [consumer(false), consumer(true)]);
    await expect(check.check()).rejects.toThrow('a consumer cannot consume');
    expect(check.required).toBe(false);
  });
});
