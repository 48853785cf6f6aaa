/**
 * Collapses concurrent calls with the same key into one: while a call for a key is running (and for keepMs
 * after it succeeded), later callers with that key share its promise. The key must name everything a
 * caller needs the result to match: get-event.ts keys loads by event id AND the digest the caller saw in
 * MySQL, so a load of other details is never handed to a caller, however late it arrives.
 */
export function singleFlight<A, V>(
  keyOf: (arg: A) => string,
  fn: (arg: A) => Promise<V>,
  opts: { keepMs: number; maxKept: number } = { keepMs: 0, maxKept: 0 },
): (arg: A) => Promise<V> {
  const running = new Map<string, Promise<V>>();
  return (arg) => {
    const key = keyOf(arg);
    const current = running.get(key);
    if (current) return current;
    const call = fn(arg);
    running.set(key, call);
    call.then(
      () => {
        if (opts.keepMs > 0 && running.size <= opts.maxKept) setTimeout(() => running.delete(key), opts.keepMs).unref();
        else running.delete(key);
      },
      () => running.delete(key),
    );
    return call;
  };
}
