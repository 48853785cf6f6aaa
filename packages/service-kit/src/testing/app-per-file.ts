/**
 * One app for the test file: built before its first test, closed after its last. The object returned is
 * filled in by beforeAll, so tests use it as they would a `let t` assigned there: `t.app`, `t.pool`.
 */
export function oneAppPerFile<T extends { close: () => Promise<void> }>(create: () => T | Promise<T>): T {
  const t = {} as T;
  beforeAll(async () => {
    Object.assign(t, await create());
  });
  afterAll(async () => {
    await t.close();
  });
  return t;
}
