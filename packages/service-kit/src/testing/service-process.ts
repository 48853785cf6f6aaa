import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@ebs/test-support';

export type ServiceProcess = {
  proc: ChildProcess;
  port: number;
  url: string;
  /** Every stdout line so far, parsed when it is JSON. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/**
 * Starts a service's build (dist/main.js) as `npm start` would, and waits until it listens: the service whose
 * tests run (jest runs in the package's folder), or `service`, another service folder of the repository.
 */
export async function startServiceProcess(env: NodeJS.ProcessEnv = {}, service?: string): Promise<ServiceProcess> {
  const port = await freePort();
  const root = service ? path.resolve(process.cwd(), '..', service) : process.cwd();
  const proc = spawn(process.execPath, [path.join(root, 'dist', 'main.js')], {
    // No load balancer has to notice a stopping process in tests: a short drain unless a test sets one.
    env: { ...process.env, LOG_LEVEL: 'info', PORT: String(port), SHUTDOWN_DRAIN_MS: '200', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let err = '';
  let buffered = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break;
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, port, url, logs, stderr: () => err, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`service did not start on ${port}: ${err}`);
}

export { freePort };
