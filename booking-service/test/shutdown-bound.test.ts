import { loadConfig } from '../src/config';

// A booking that arrives as the drain ends may wait BOOKING_MAX_WAIT_MS for its turn, then its transaction: the
// shutdown bound after the drain must outlast both, or the process exits under it and the client gets a reset.
describe('booking-service shutdown bound', () => {
  const base = { SHUTDOWN_TIMEOUT_MS: undefined };

  test('when SHUTDOWN_TIMEOUT_MS is not set, then it outlasts the booking wait and the transaction deadline by 1 s', () => {
    expect(loadConfig({ ...process.env, ...base }).http.shutdownTimeoutMs).toBe(10_000 + 7_000 + 1_000);
    const shorter = loadConfig({
      ...process.env,
      ...base,
      BOOKING_MAX_WAIT_MS: '2000',
      MYSQL_TRANSACTION_TIMEOUT_MS: '3000',
    });
    expect(shorter.http.shutdownTimeoutMs).toBe(6_000);
  });

  test('when SHUTDOWN_TIMEOUT_MS is set longer than both, then it is kept; when set shorter, then the service refuses to start naming it', () => {
    expect(loadConfig({ ...process.env, ...base, SHUTDOWN_TIMEOUT_MS: '20000' }).http.shutdownTimeoutMs).toBe(20_000);
    expect(() => loadConfig({ ...process.env, ...base, SHUTDOWN_TIMEOUT_MS: '8000' })).toThrow(
      /SHUTDOWN_TIMEOUT_MS: must exceed BOOKING_MAX_WAIT_MS \+ MYSQL_TRANSACTION_TIMEOUT_MS \(17000 ms\)/,
    );
  });
});
