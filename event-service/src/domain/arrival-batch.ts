/**
 * Groups concurrent lookups into few queries without ever answering a caller from a query sent before it
 * called: a caller waits for the next query that starts after its call (so a read that starts after a
 * commit's answer sees that commit). Up to maxInFlight queries run at once; callers arriving meanwhile form
 * the next batch, so under load one query answers many requests and when idle a request waits for nothing.
 */
export function arrivalBatch<V>(
  fetch: (keys: string[]) => Promise<Map<string, V>>,
  opts: { maxInFlight: number; maxBatch: number },
): (key: string) => Promise<V | undefined> {
  type Waiter = { key: string; resolve: (v: V | undefined) => void; reject: (err: unknown) => void };
  let waiting: Waiter[] = [];
  let inFlight = 0;

  function run(batch: Waiter[]): void {
    inFlight++;
    fetch([...new Set(batch.map((w) => w.key))])
      .then(
        (found) => {
          for (const w of batch) w.resolve(found.get(w.key));
        },
        (err) => {
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  }

  function pump(): void {
    while (inFlight < opts.maxInFlight && waiting.length > 0) {
      const batch = waiting.slice(0, opts.maxBatch);
      waiting = waiting.slice(batch.length);
      run(batch);
    }
  }

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      pump();
    });
}
