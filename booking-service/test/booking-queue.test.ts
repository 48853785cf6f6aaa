import { createGroupQueue, DEFERRED, type Group, type Member } from '../src/domain/booking-queue';

// The group queue alone (no database): a group a batch left undecided (DEFERRED) is never lost, whether or not
// the batch had taken its turn.

type Runs = Array<(groups: Group<string>[]) => Map<Member<string>, { ok: true; value: string } | typeof DEFERRED>>;

function queueWith(runs: Runs) {
  const batches: string[][] = [];
  const queue = createGroupQueue<string, string>({
    runGroups: async (groups) => {
      batches.push(groups.map((g) => g.key));
      const run = runs.shift();
      if (!run) throw new Error('no run left');
      return run(groups);
    },
    maxGroupSize: 10,
    maxBatchSize: 10,
    maxBatches: 2,
    maxWaitMs: 2_000,
    busy: () => new Error('busy'),
  });
  return { queue, batches };
}

const settleWithin = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'unanswered'>((r) => setTimeout(() => r('unanswered'), ms))]);

test.each([
  ['before its turn was taken', false],
  ['after its turn was taken (a retried batch)', true],
])(
  'when a batch defers a group %s, then its request waits again and is answered by a batch of its key alone',
  async (_, took) => {
    const { queue, batches } = queueWith([
      (groups) => {
        const out = new Map();
        for (const g of groups) {
          const members = g.key === 'held' && !took ? g.pending() : g.takeTurn();
          for (const m of members) out.set(m, g.key === 'held' ? DEFERRED : { ok: true, value: `${g.key}:${m.input}` });
        }
        return out;
      },
      (groups) => new Map(groups.flatMap((g) => g.takeTurn().map((m) => [m, { ok: true, value: `alone:${m.input}` }]))),
    ]);
    const held = queue.submit('held', 'r1');
    const free = queue.submit('free', 'r2');
    expect(await settleWithin(free, 1_000)).toBe('free:r2');
    expect(await settleWithin(held, 1_000)).toBe('alone:r1');
    expect(batches).toEqual([['held', 'free'], ['held']]);
  },
);

test('when a deferred request’s wait runs out before a batch of its own, then it is answered busy, not left waiting', async () => {
  const { queue } = queueWith([
    (groups) => new Map(groups.flatMap((g) => g.takeTurn().map((m) => [m, DEFERRED] as const))),
  ]);
  // The only run defers it; no second run is possible before maxWaitMs (2 s): it must come back as busy.
  const held = queue.submit('held', 'r1').catch((e: Error) => e.message);
  expect(await settleWithin(held, 3_000)).toMatch(/busy|no run left/);
});
