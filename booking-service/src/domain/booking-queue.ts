/**
 * Group commit per key (an event id) in this process (docs/api.md "Ticket rush").
 *
 * Requests for one key wait in arrival order. One group at a time per key is handed to `runGroup`: up to
 * `maxGroupSize` of the oldest waiting requests. Requests arriving meanwhile wait for the next group, so a
 * burst forms large groups on its own and a lone request goes at once (no timer delays it).
 *
 * Admission is bounded by time, not by count: a request still waiting for its turn `maxWaitMs` after it
 * arrived is answered with `busy()` (503 + Retry-After). Its turn comes when its group calls
 * `takeTurn()` (the event row is locked): from then on it is answered by the group's outcome.
 *
 * What a waiting request costs: its input and one entry here (a timer and a callback).
 */

export type Outcome<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

/** One request as a group sees it: the caller's input (any extra data a later step needs rides in it). */
export type Member<In> = { readonly input: In; readonly arrivedAt: number };

export type Group<In> = {
  readonly key: string;
  /** Members not answered yet (neither busy nor otherwise), in arrival order. */
  pending(): Member<In>[];
  /**
   * The group's turn has come: members still pending stop their wait clocks and are returned in arrival
   * order; each is then answered by the group's outcome. Safe to call again on a retry.
   */
  takeTurn(): Member<In>[];
};

/** Runs one group; returns an outcome per member it decided (a member it left out gets `error`). */
export type GroupRunner<In, Out> = (group: Group<In>) => Promise<Map<Member<In>, Outcome<Out>>>;

export type GroupQueue<In, Out> = {
  submit: (key: string, input: In) => Promise<Out>;
  /** Requests waiting (not yet in their turn) for one key, or over all keys: for tests and metrics. */
  waiting: (key?: string) => number;
};

type Entry<In, Out> = Member<In> & {
  state: 'waiting' | 'serving' | 'answered';
  timer: NodeJS.Timeout | undefined;
  answer: (o: Outcome<Out>) => void;
};

type KeyQueue<In, Out> = { entries: Entry<In, Out>[]; running: boolean };

export type GroupQueueOptions<In, Out> = {
  runGroup: GroupRunner<In, Out>;
  maxGroupSize: number;
  maxWaitMs: number;
  /** The error a request gets when its wait passes maxWaitMs. */
  busy: () => unknown;
  /** Told after each group with its size (requests whose turn came): e.g. a metric. */
  onGroup?: (size: number) => void;
};

export function createGroupQueue<In, Out>(opts: GroupQueueOptions<In, Out>): GroupQueue<In, Out> {
  const queues = new Map<string, KeyQueue<In, Out>>();

  function answer(e: Entry<In, Out>, o: Outcome<Out>): void {
    if (e.state === 'answered') return;
    e.state = 'answered';
    clearTimeout(e.timer);
    e.answer(o);
  }

  function startNext(key: string, q: KeyQueue<In, Out>): void {
    // Answered (timed-out) entries at the head are dropped; the next group is the oldest still waiting.
    const members: Entry<In, Out>[] = [];
    let taken = 0;
    while (taken < q.entries.length && members.length < opts.maxGroupSize) {
      const e = q.entries[taken++] as Entry<In, Out>;
      if (e.state === 'waiting') members.push(e);
    }
    q.entries.splice(0, taken);
    if (members.length === 0) {
      queues.delete(key);
      return;
    }
    q.running = true;
    void runOne(key, members).finally(() => {
      q.running = false;
      if (q.entries.length > 0) startNext(key, q);
      else queues.delete(key);
    });
  }

  async function runOne(key: string, members: Entry<In, Out>[]): Promise<void> {
    let served = 0;
    const group: Group<In> = {
      key,
      pending: () => members.filter((m) => m.state !== 'answered'),
      takeTurn: () => {
        const open = members.filter((m) => m.state !== 'answered');
        for (const m of open) {
          m.state = 'serving';
          clearTimeout(m.timer);
        }
        served = Math.max(served, open.length);
        return open;
      },
    };
    let outcomes: Map<Member<In>, Outcome<Out>> | undefined;
    let failure: unknown;
    try {
      outcomes = await opts.runGroup(group);
    } catch (err) {
      failure = err;
    }
    for (const m of members) {
      const o = outcomes?.get(m) ?? { ok: false as const, error: failure ?? new Error('request left unanswered') };
      answer(m, o);
    }
    opts.onGroup?.(served);
  }

  return {
    submit(key, input) {
      return new Promise<Out>((resolve, reject) => {
        const entry: Entry<In, Out> = {
          input,
          arrivedAt: Date.now(),
          state: 'waiting',
          timer: undefined,
          answer: (o) => (o.ok ? resolve(o.value) : reject(o.error)),
        };
        entry.timer = setTimeout(() => {
          if (entry.state === 'waiting') answer(entry, { ok: false, error: opts.busy() });
        }, opts.maxWaitMs);
        let q = queues.get(key);
        if (!q) {
          q = { entries: [], running: false };
          queues.set(key, q);
        }
        q.entries.push(entry);
        if (!q.running && q.entries.length === 1) {
          // Requests parsed in this same turn of the event loop join the first group.
          const queue = q;
          queue.running = true;
          setImmediate(() => {
            queue.running = false;
            startNext(key, queue);
          });
        }
      });
    },
    waiting(key) {
      const count = (q: KeyQueue<In, Out>) => q.entries.filter((e) => e.state === 'waiting').length;
      if (key !== undefined) {
        const q = queues.get(key);
        return q ? count(q) : 0;
      }
      let n = 0;
      for (const q of queues.values()) n += count(q);
      return n;
    },
  };
}
