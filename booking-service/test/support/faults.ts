import { type FaultProxy, startFaultProxy } from '@ebs/test-support';

/** A fault proxy in front of this run's MySQL (test-support's startFaultProxy). */
export const proxyToMysql = (): Promise<FaultProxy> =>
  startFaultProxy({
    target: { host: process.env.MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.MYSQL_PORT ?? 3306) },
  });

/** Waits for the fault to happen (within 10 s), so a test never passes without its fault: 'no fault' if not. */
export async function happened(fault: Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const none = new Promise<string>((r) => {
    timer = setTimeout(() => r('no fault'), 10_000);
  });
  try {
    return await Promise.race([fault, none]);
  } finally {
    clearTimeout(timer);
  }
}
