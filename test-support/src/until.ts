/**
 * Polls `check` every `everyMs` until it holds or `timeoutMs` has passed; resolves with whether it held (one last
 * look at the deadline). For a state another process reaches in its own time: a consumer catching up, a sweep.
 */
export async function until(check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
