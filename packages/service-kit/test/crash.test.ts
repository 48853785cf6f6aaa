import { spawn } from 'node:child_process';
import path from 'node:path';

/** Runs a node script against the kit's build (dist), as a service process would load it. */
function runScript(body: string): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  const dist = path.resolve(__dirname, '..', 'dist');
  const script = `
    const { installCrashHandlers } = require(${JSON.stringify(path.join(dist, 'lifecycle'))});
    const { createLogger } = require(${JSON.stringify(path.join(dist, 'observability'))});
    installCrashHandlers(createLogger('crash-test', 'info'));
    ${body}
  `;
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.on('exit', (code) =>
      resolve({
        code,
        lines: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      }),
    );
  });
}

describe('crash handlers', () => {
  test('when a promise rejection is not handled, then it is logged at fatal and the process exits 1', async () => {
    const { code, lines } = await runScript(
      `Promise.reject(new Error('nobody catches this')); setTimeout(() => {}, 5000);`,
    );
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 60, msg: expect.stringMatching(/unhandled promise rejection/) }),
    );
    expect(JSON.stringify(lines)).toContain('nobody catches this');
  });

  test('when an exception is not caught, then it is logged at fatal and the process exits 1', async () => {
    const { code, lines } = await runScript(`setTimeout(() => { throw new Error('thrown in a timer'); }, 10);`);
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 60, msg: expect.stringMatching(/uncaught exception/) }),
    );
    expect(JSON.stringify(lines)).toContain('thrown in a timer');
  });
});
