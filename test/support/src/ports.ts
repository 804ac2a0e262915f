/** Free ports, the harness's own helpers: tests and `make dev` pick ports alike. */
export { freePort, freeUdpPort, freeUdpPortPair } from '@desk-onvif/system';

/** Thrown by a probe to stop waiting at once: what it waits for can no longer happen. */
export class WaitAborted extends Error {}

/**
 * Polls `probe` until it resolves true, or fails after `timeoutMs` with the last error. A probe that
 * throws WaitAborted fails the wait at once.
 */
export async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}
