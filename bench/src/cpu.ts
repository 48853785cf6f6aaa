import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Stack } from '../../e2e/test/support/stack';

/**
 * CPU time per process over a phase of the bench, read from /proc (Linux): where the two cores go. With the
 * machine saturated, throughput is about cores / (CPU per booking summed over every process), so this is the
 * profile of what a ticket rush costs beside the raw transaction. Elsewhere (no /proc) it reports nothing.
 */
export type CpuShare = Record<string, number>;

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in ms, or undefined when it cannot be read. */
function cpuMsOf(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return undefined;
  }
}

function pidOfProgram(names: string[]): number | undefined {
  for (const name of names) {
    try {
      const pid = Number(execFileSync('pgrep', ['-o', '-x', name]).toString().trim());
      if (pid > 0) return pid;
    } catch {
      // not running under this name
    }
  }
  return undefined;
}

/**
 * The stack's processes but the booking replicas (summed apart) and the MySQL server when it runs here (the
 * oldest mariadbd/mysqld: on a machine where it serves other load too, its figure includes that load).
 */
function stackProcesses(stack: Stack): Record<string, number | undefined> {
  return {
    'notification-service': stack.notifications.child?.pid,
    'event-service': stack.events.child?.pid,
    'user-service': stack.users.child?.pid,
    nats: stack.nats.child?.pid,
    mysql: pidOfProgram(['mariadbd', 'mysqld']),
  };
}

/** A phase's CPU ms per process and how long it lasted. */
export type CpuPhase = { used: CpuShare; ms: number; missing: string[] };

/** Starts measuring; the returned function gives CPU ms per process since then (the bench client included). */
export function startCpu(stack: Stack): () => CpuPhase {
  // Looked up once per phase (pgrep): a process restarted mid-phase would not be comparable anyway.
  const pids = stackProcesses(stack);
  const expected = ['booking-service x2', ...Object.keys(pids), 'bench client'];
  const read = (): CpuShare => {
    const out: CpuShare = {};
    const replicas = stack.bookings.map((b) => (b.child?.pid ? cpuMsOf(b.child.pid) : undefined));
    if (replicas.every((r) => r !== undefined)) out['booking-service x2'] = replicas.reduce((a, b) => a + b, 0);
    for (const [name, pid] of Object.entries(pids)) {
      const ms = pid ? cpuMsOf(pid) : undefined;
      if (ms !== undefined) out[name] = ms;
    }
    const self = process.cpuUsage();
    out['bench client'] = (self.user + self.system) / 1000;
    return out;
  };
  const before = read();
  const started = Date.now();
  return () => {
    const after = read();
    const used: CpuShare = {};
    for (const [name, ms] of Object.entries(after)) {
      const was = before[name];
      if (was !== undefined) used[name] = ms - was;
    }
    return { used, ms: Date.now() - started, missing: expected.filter((name) => used[name] === undefined) };
  };
}

/** "booking-service x2 0.62, mysql 0.21, ... = 1.40 ms per booking (1.9 cores)" */
export function describeCpu({ used, ms: elapsedMs, missing }: CpuPhase, bookings: number): string {
  if (Object.keys(used).length <= 1) return 'not measured (no /proc)';
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  const parts = Object.entries(used)
    .filter(([, ms]) => ms / bookings >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${(ms / bookings).toFixed(2)}`);
  const unread = missing.length > 0 ? `; not read: ${missing.join(', ')}` : '';
  return `${parts.join(', ')} = ${(total / bookings).toFixed(2)} ms CPU per booking (${(total / elapsedMs).toFixed(2)} cores busy)${unread}`;
}
