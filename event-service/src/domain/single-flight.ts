/**
 * Collapses concurrent calls with the same key into one: while a call for a key is running, later callers
 * with that key share its promise. Nothing is kept once it settles. The key must name everything a caller
 * needs the result to match (get-event.ts keys loads by event id AND the digest the caller saw in MySQL, so
 * a load that began before a change is never handed to a caller that arrived after it).
 */
export function singleFlight<A, V>(keyOf: (arg: A) => string, fn: (arg: A) => Promise<V>): (arg: A) => Promise<V> {
  const running = new Map<string, Promise<V>>();
  return (arg) => {
    const key = keyOf(arg);
    const current = running.get(key);
    if (current) return current;
    const call = fn(arg).finally(() => running.delete(key));
    running.set(key, call);
    return call;
  };
}
