/**
 * Collapses concurrent calls for the same key into one: while a call for a key is running, later callers
 * share its promise. Nothing is kept once it settles.
 */
export function singleFlight<K, V>(fn: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const running = new Map<K, Promise<V>>();
  return (key) => {
    const current = running.get(key);
    if (current) return current;
    const call = fn(key).finally(() => running.delete(key));
    running.set(key, call);
    return call;
  };
}
