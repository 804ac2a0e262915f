import { spawnTracked, waitUntilReady } from './processes.js';

describe('waitUntilReady', () => {
  it('fails at once, with the output, when the process exits before it is ready', async () => {
    const proc = spawnTracked(process.execPath, ['-e', 'console.error("bad flag --x"); process.exit(3)']);
    const started = Date.now();
    await expect(waitUntilReady(proc, 'a server that cannot start', () => false, 20_000)).rejects.toThrow(
      /exited first:\n.*bad flag --x/s,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('resolves once the probe says ready', async () => {
    const proc = spawnTracked(process.execPath, ['-e', 'console.log("ready"); setTimeout(() => {}, 30000)']);
    await waitUntilReady(proc, 'a ready line', () => proc.output().includes('ready'));
    await proc.stop();
  });
});
