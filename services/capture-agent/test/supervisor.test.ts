import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@desk-onvif/test-support';
import { FfmpegSupervisor, type RestartReason, type SupervisorOptions } from '../src/ffmpeg.supervisor.js';
import { jsonLogger } from '../src/logger.js';

const FAKE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-ffmpeg.mjs');

/** A real child process standing in for ffmpeg, run by the real supervisor. */
function harness(mode: string, overrides: Partial<SupervisorOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sup-'));
  const startsLog = join(dir, 'starts.jsonl');
  const logLines: string[] = [];
  const restarts: Array<{ reason: RestartReason; delayMs: number }> = [];
  const snapshots: Buffer[] = [];
  const states: string[] = [];
  let builds = 0;
  const sut = new FfmpegSupervisor(
    {
      command: process.execPath,
      args: () => {
        builds += 1;
        return [FAKE, '-progress', 'pipe:4', `build=${builds}`, 'pipe:3'];
      },
      snapshotFd: 3,
      progressFd: 4,
      stallTimeoutMs: 60_000,
      backoff: { initialMs: 50, maxMs: 400, resetAfterMs: 60_000 },
      stopGraceMs: 300,
      stderr: { lines: 20, perMs: 1000 },
      logger: jsonLogger('debug', {}, (l) => logLines.push(l)),
      redact: (l) => l.replace(/:[^:@/]+@/g, ':***@'),
      env: { ...process.env, FAKE_FFMPEG_MODE: mode, FAKE_FFMPEG_LOG: startsLog },
      ...overrides,
    },
    {
      restart: (reason, delayMs) => restarts.push({ reason, delayMs }),
      snapshot: (jpeg) => snapshots.push(jpeg),
      state: (s) => states.push(s),
    },
  );
  const starts = (): Array<{ pid: number; args: string[] }> => {
    try {
      return readFileSync(startsLog, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { pid: number; args: string[] });
    } catch {
      return [];
    }
  };
  return {
    sut,
    starts,
    restarts,
    snapshots,
    states,
    logLines,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('FfmpegSupervisor with a real child', () => {
  let h: ReturnType<typeof harness> | undefined;
  afterEach(async () => {
    await h?.sut.stop();
    h?.cleanup();
    h = undefined;
  });

  it('restarts a child that keeps exiting with a doubling, capped delay', async () => {
    h = harness('exit');
    h.sut.start();
    await waitFor('six restarts', () => Promise.resolve(h!.restarts.length >= 6), 20_000);
    expect(h.restarts.slice(0, 6)).toEqual(
      [50, 100, 200, 400, 400, 400].map((delayMs) => ({ reason: 'exit', delayMs })),
    );
    await h.sut.stop();
    const pids = h.starts().map((s) => s.pid);
    expect(new Set(pids).size).toBe(pids.length);
    expect(pids.filter(alive)).toEqual([]);
    expect(h.logLines.join('\n')).toContain('cannot open the capture device');
  });

  it('streams: state, snapshots and progress from the child pipes', async () => {
    h = harness('stream');
    h.sut.start();
    await waitFor('streaming and a snapshot', () =>
      Promise.resolve(h!.sut.state === 'streaming' && h!.snapshots.length > 0),
    );
    expect(h.states.slice(0, 2)).toEqual(['starting', 'streaming']);
    expect([...h.snapshots[0]!.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(h.restarts).toEqual([]);
  });

  it('kills a child that stops making frames (deaf to SIGTERM) and starts another', async () => {
    h = harness('hang', { stallTimeoutMs: 1000 });
    h.sut.start();
    await waitFor('a stall restart', () => Promise.resolve(h!.starts().length >= 2), 20_000);
    expect(h.restarts[0]).toEqual({ reason: 'stall', delayMs: 50 });
    expect(h.states).toContain('stalled');
    const [first] = h.starts();
    expect(alive(first!.pid)).toBe(false);
    await h.sut.stop();
    expect(
      h
        .starts()
        .map((s) => s.pid)
        .filter(alive),
    ).toEqual([]);
  });

  it('restarts at once with freshly built arguments on new settings, and on a new capture source', async () => {
    h = harness('stream');
    h.sut.start();
    await waitFor('streaming', () => Promise.resolve(h!.sut.state === 'streaming'));
    await h.sut.restart('settings');
    await waitFor('second start', () => Promise.resolve(h!.starts().length === 2));
    expect(h.restarts).toEqual([{ reason: 'settings', delayMs: 0 }]);
    expect(h.starts().map((s) => s.args[2])).toEqual(['build=1', 'build=2']);
    expect(alive(h.starts()[0]!.pid)).toBe(false);
    // A new source is a reason of its own, as immediate (no backoff).
    await waitFor('streaming again', () => Promise.resolve(h!.sut.state === 'streaming'));
    await h.sut.restart('source');
    await waitFor('third start', () => Promise.resolve(h!.starts().length === 3));
    expect(h.restarts).toEqual([
      { reason: 'settings', delayMs: 0 },
      { reason: 'source', delayMs: 0 },
    ]);
    const exits = h.logLines
      .map((l) => JSON.parse(l) as { msg: string; reason?: string })
      .filter((l) => l.msg === 'ffmpeg exited');
    expect(exits.map((l) => l.reason)).toEqual(['settings', 'source']);
  });

  it('backs off when the command line cannot be built, and says so', async () => {
    h = harness('stream', {
      args: () => {
        throw new Error('no assignment yet');
      },
    });
    h.sut.start();
    await waitFor('three attempts', () => Promise.resolve(h!.restarts.length >= 3));
    expect(h.restarts.slice(0, 3)).toEqual(
      [50, 100, 200].map((delayMs) => ({ reason: 'spawn-error', delayMs })),
    );
    expect(h.sut.state).toBe('error');
    expect(h.starts()).toEqual([]);
    expect(h.logLines.join('\n')).toContain('no assignment yet');
  });

  it('keeps a child flooding stderr within the log budget, passwords redacted', async () => {
    h = harness('flood');
    h.sut.start();
    await waitFor('streaming', () => Promise.resolve(h!.sut.state === 'streaming'));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2500)); // a window of observation, not a readiness wait
    const windows = Math.ceil((Date.now() - t0) / 1000) + 2;
    const ffmpegLines = h.logLines.filter((l) => l.includes('"msg":"ffmpeg"'));
    expect(ffmpegLines.length).toBeLessThanOrEqual(20 * windows);
    expect(h.logLines.some((l) => l.includes('stderr lines suppressed'))).toBe(true);
    expect(h.logLines.join('\n')).not.toContain('topsecret');
    expect(h.sut.state).toBe('streaming');
  });
});
