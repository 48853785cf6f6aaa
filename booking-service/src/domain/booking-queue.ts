/**
 * Group commit per key (an event id) in this process (docs/api.md "Ticket rush").
 *
 * Requests for one key wait in arrival order. One group at a time per key is served: up to `maxGroupSize`
 * of the oldest waiting requests. Requests arriving meanwhile wait for the next group, so a burst forms
 * large groups on its own and a lone request goes at once (no timer delays it).
 *
 * Groups of different keys are handed to `runGroups` together, as one batch (one transaction): at most
 * `maxBatches` batches run at once, and keys that become ready meanwhile form the next one, up to
 * `maxBatchSize` requests in all. So bookings spread over many events share a commit as a rush on one
 * event does, and when idle a request still waits for nothing. Keys join a batch in the order they became
 * ready, so no event is passed over.
 *
 * Admission is bounded by time, not by count: a request still waiting for its turn `maxWaitMs` after it
 * arrived is answered with `busy()` (503 + Retry-After). Its turn comes when its group calls
 * `takeTurn()` (the event row is locked): from then on it is answered by the group's outcome.
 *
 * A batch may leave a group undecided (`deferred`: its key's row was locked by another transaction, and a batch
 * never waits on one key's lock on behalf of the others): its requests go back to the head of their key's queue,
 * still waiting (their clocks run on), and the key's next group runs in a batch of its own.
 *
 * What a waiting request costs: its input and one entry here (a timer and a callback).
 */

export type Outcome<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

/** A group the batch did not decide: its requests wait for a batch of their key alone. */
export const DEFERRED = { deferred: true } as const;
export type BatchOutcome<Out> = Outcome<Out> | typeof DEFERRED;

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

/**
 * Runs one batch (groups of distinct keys); returns an outcome per member it decided (one left out gets an
 * error), or DEFERRED for every member of a group whose turn it did not take (takeTurn not called).
 */
export type GroupRunner<In, Out> = (groups: Group<In>[]) => Promise<Map<Member<In>, BatchOutcome<Out>>>;

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

/**
 * running: a group of this key is in a batch; ready: the key is in the list of keys the next batch takes;
 * alone: its last group was deferred, so its next one is a batch of its own.
 */
type KeyQueue<In, Out> = { entries: Entry<In, Out>[]; running: boolean; ready: boolean; alone: boolean };

export type GroupQueueOptions<In, Out> = {
  runGroups: GroupRunner<In, Out>;
  /** The most requests of one key in one batch. */
  maxGroupSize: number;
  /** The most requests of one batch over all its keys (keeps its lock hold short). */
  maxBatchSize: number;
  /** Batches running at once; keys that become ready meanwhile wait for the next one. */
  maxBatches: number;
  maxWaitMs: number;
  /** The error a request gets when its wait passes maxWaitMs. */
  busy: () => unknown;
  /** Told after each group with its size (requests whose turn came): e.g. a metric. */
  onGroup?: (size: number) => void;
};

export function createGroupQueue<In, Out>(opts: GroupQueueOptions<In, Out>): GroupQueue<In, Out> {
  const queues = new Map<string, KeyQueue<In, Out>>();
  /** Keys with waiting requests and no group running, in the order they became ready. */
  let readyKeys: string[] = [];
  let inFlight = 0;
  let pumpScheduled = false;

  function answer(e: Entry<In, Out>, o: Outcome<Out>): void {
    if (e.state === 'answered') return;
    e.state = 'answered';
    clearTimeout(e.timer);
    e.answer(o);
  }

  /** The entry waits for its turn; past `ms`, it is answered busy. */
  function wait(e: Entry<In, Out>, ms: number): void {
    e.state = 'waiting';
    clearTimeout(e.timer);
    if (ms <= 0) {
      answer(e, { ok: false, error: opts.busy() });
      return;
    }
    e.timer = setTimeout(() => {
      if (e.state === 'waiting') answer(e, { ok: false, error: opts.busy() });
    }, ms);
  }

  function markReady(key: string, q: KeyQueue<In, Out>): void {
    if (q.running || q.ready) return;
    q.ready = true;
    readyKeys.push(key);
  }

  /** Next turn of the event loop, so requests parsed in this same turn join the same batch. */
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  }

  function pump(): void {
    while (inFlight < opts.maxBatches && readyKeys.length > 0) {
      const batch: Array<{ key: string; members: Entry<In, Out>[] }> = [];
      let size = 0;
      let used = 0;
      /** Keys left for a later batch: a key that must go alone, met once this batch has others. */
      const later: string[] = [];
      let closed = false;
      while (used < readyKeys.length && size < opts.maxBatchSize && !closed) {
        const key = readyKeys[used++] as string;
        const q = queues.get(key);
        if (!q) continue;
        if (q.alone && batch.length > 0) {
          later.push(key);
          continue;
        }
        closed = q.alone;
        q.alone = false;
        q.ready = false;
        // Answered (timed-out) entries at the head are dropped; the group is the oldest still waiting.
        const members: Entry<In, Out>[] = [];
        const room = Math.min(opts.maxGroupSize, opts.maxBatchSize - size);
        let taken = 0;
        while (taken < q.entries.length && members.length < room) {
          const e = q.entries[taken++] as Entry<In, Out>;
          if (e.state === 'waiting') members.push(e);
        }
        q.entries.splice(0, taken);
        if (members.length === 0) {
          if (q.entries.length === 0) queues.delete(key);
          else markReady(key, q);
          continue;
        }
        q.running = true;
        size += members.length;
        batch.push({ key, members });
      }
      readyKeys = [...later, ...readyKeys.slice(used)];
      if (batch.length === 0) continue;
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        for (const { key } of batch) {
          const q = queues.get(key);
          if (!q) continue;
          q.running = false;
          if (q.entries.some((e) => e.state === 'waiting')) markReady(key, q);
          else queues.delete(key);
        }
        pump();
      });
    }
  }

  async function runBatch(batch: Array<{ key: string; members: Entry<In, Out>[] }>): Promise<void> {
    const served = new Map<string, number>();
    const groups: Group<In>[] = batch.map(({ key, members }) => ({
      key,
      pending: () => members.filter((m) => m.state !== 'answered'),
      takeTurn: () => {
        const open = members.filter((m) => m.state !== 'answered');
        for (const m of open) {
          m.state = 'serving';
          clearTimeout(m.timer);
        }
        served.set(key, Math.max(served.get(key) ?? 0, open.length));
        return open;
      },
    }));
    let outcomes: Map<Member<In>, BatchOutcome<Out>> | undefined;
    let failure: unknown;
    try {
      outcomes = await opts.runGroups(groups);
    } catch (err) {
      failure = err;
    }
    for (const { key, members } of batch) {
      const deferred: Entry<In, Out>[] = [];
      for (const m of members) {
        const o = outcomes?.get(m) ?? { ok: false as const, error: failure ?? new Error('request left unanswered') };
        if (!('deferred' in o)) answer(m, o);
        else if (m.state !== 'answered') deferred.push(m);
      }
      const q = queues.get(key);
      if (deferred.length > 0 && q) {
        // Back in line, first: a member whose turn was taken waits again, its clock re-armed for the time left.
        for (const m of deferred) if (m.state === 'serving') wait(m, m.arrivedAt + opts.maxWaitMs - Date.now());
        q.entries.unshift(...deferred.filter((m) => m.state === 'waiting'));
        q.alone = true;
      }
      if (deferred.length === 0) opts.onGroup?.(served.get(key) ?? 0);
    }
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
        wait(entry, opts.maxWaitMs);
        let q = queues.get(key);
        if (!q) {
          q = { entries: [], running: false, ready: false, alone: false };
          queues.set(key, q);
        }
        q.entries.push(entry);
        markReady(key, q);
        schedulePump();
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
