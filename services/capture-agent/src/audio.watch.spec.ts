import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@desk-onvif/test-support';
import { AudioDeviceWatch, deviceEventsCommand, isDeviceEvent } from './audio.watch.js';
import { jsonLogger } from './logger.js';

// What `pactl subscribe` printed here while a null sink was unloaded and loaded again, with ffmpeg
// capturing its monitor.
const UNLOAD_AND_LOAD = [
  "Event 'change' on sink #0",
  "Event 'change' on source #0",
  "Event 'new' on source-output #0",
  "Event 'remove' on source-output #0",
  "Event 'remove' on source #0",
  "Event 'remove' on sink #0",
  "Event 'remove' on module #1",
  "Event 'change' on source #1",
  "Event 'new' on source #1",
  "Event 'change' on server #4294967295",
  "Event 'new' on client #4",
];

describe('isDeviceEvent', () => {
  it('takes a source added or removed and a change of the defaults, nothing streaming itself causes', () => {
    expect(UNLOAD_AND_LOAD.filter(isDeviceEvent)).toEqual([
      "Event 'remove' on source #0",
      "Event 'new' on source #1",
      "Event 'change' on server #4294967295",
    ]);
  });
});

describe('deviceEventsCommand', () => {
  it('is pactl on Linux and nothing on Windows (DirectShow has no event stream a process can read)', () => {
    expect(deviceEventsCommand('linux')).toEqual({ command: 'pactl', args: ['subscribe'] });
    expect(deviceEventsCommand('win32')).toBeUndefined();
  });
});

describe('AudioDeviceWatch', () => {
  const lines: string[] = [];
  const logger = jsonLogger('debug', {}, (l) => lines.push(l));
  let watch: AudioDeviceWatch | undefined;
  afterEach(() => {
    watch?.stop();
    lines.length = 0;
  });

  /** A real child process standing in for `pactl subscribe`: prints `script`'s lines, then lives on. */
  const printer = (script: string) => ({
    command: process.execPath,
    args: ['-e', `${script}; setInterval(() => {}, 1000)`],
  });

  // Outcomes are waited for, never assumed after a fixed sleep: these run beside heavy tests. A
  // fixed sleep is used only to show that nothing more happens, with a margin far above the delays.
  it('looks once for a burst of device events, and not for other events', async () => {
    const checks: number[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'desk-onvif-watch-'));
    const [looked, printed] = [join(dir, 'looked'), join(dir, 'printed')];
    // The burst is printed once the first look has happened (a file the look writes), so it is not
    // merged with the look made when listening begins; then one other event, then a mark.
    const script = `
      const fs = require('node:fs');
      const wait = setInterval(() => {
        if (!fs.existsSync(${JSON.stringify(looked)})) return;
        clearInterval(wait);
        console.log(${JSON.stringify(UNLOAD_AND_LOAD.join('\n'))});
        setTimeout(() => {
          console.log("Event 'change' on source #1");
          fs.writeFileSync(${JSON.stringify(printed)}, '');
        }, 500);
      }, 20)`;
    watch = new AudioDeviceWatch({
      check: () => {
        checks.push(Date.now());
        writeFileSync(looked, '');
      },
      lostPollMs: 60_000,
      idlePollMs: 60_000,
      events: printer(script),
      logger,
      settleMs: 100,
      minGapMs: 100,
    });
    watch.start();
    // One look when listening begins (what changed while nobody listened), one for the burst.
    await waitFor('two looks', () => checks.length >= 2, 20_000);
    await waitFor('the last event printed', () => existsSync(printed), 20_000);
    await sleep(1000);
    expect(watch.listening).toBe(true);
    expect(checks).toHaveLength(2);
  });

  it('listens again after the event stream ends, and says so', async () => {
    let checks = 0;
    watch = new AudioDeviceWatch({
      check: () => checks++,
      lostPollMs: 60_000,
      idlePollMs: 60_000,
      events: { command: process.execPath, args: ['-e', 'setTimeout(() => process.exit(3), 200)'] },
      logger,
      settleMs: 10,
    });
    watch.start();
    const said = () =>
      lines.some(
        (l) =>
          (JSON.parse(l) as { msg: string; code?: number }).msg ===
          'sound server events ended: listening again',
      );
    await waitFor('the end of the event stream reported', said, 20_000);
    expect(watch.listening).toBe(false);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; code: number })).toContainEqual(
      expect.objectContaining({ msg: 'sound server events ended: listening again', code: 3, delayMs: 5000 }),
    );
    // Listening again waits out the backoff (5 s): the one look is the first listen's.
    expect(checks).toBe(1);
  });

  it('without pactl, says so once and relies on the timer while lost', async () => {
    let checks = 0;
    watch = new AudioDeviceWatch({
      check: () => checks++,
      lostPollMs: 50,
      idlePollMs: 60_000,
      events: { command: 'desk-onvif-no-such-pactl', args: ['subscribe'] },
      logger,
    });
    watch.start();
    await waitFor('no pactl said', () => lines.some((l) => l.includes('no pactl')), 20_000);
    expect(checks).toBe(0);
    watch.setLost(true);
    await waitFor('six looks while lost', () => checks >= 6, 20_000);
    watch.setLost(false);
    const before = checks;
    await sleep(1000);
    expect(checks - before).toBe(0);
    expect(lines.filter((l) => l.includes('no pactl'))).toHaveLength(1);
  });

  it('without pactl and with the device present, looks at the idle period', async () => {
    let checks = 0;
    watch = new AudioDeviceWatch({
      check: () => checks++,
      lostPollMs: 60_000,
      idlePollMs: 100,
      events: { command: 'desk-onvif-no-such-pactl', args: ['subscribe'] },
      logger,
    });
    watch.start();
    await waitFor('two idle looks', () => checks >= 2, 20_000);
  });

  it('while the events are heard, looks at the listening period; at the idle one when they end', async () => {
    const checks: number[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'desk-onvif-watch-'));
    const stop = join(dir, 'stop');
    watch = new AudioDeviceWatch({
      check: () => checks.push(Date.now()),
      lostPollMs: 60_000,
      idlePollMs: 150,
      listeningPollMs: 60_000,
      // Prints nothing and ends when told to (a file appears): the sound server going away.
      events: {
        command: process.execPath,
        args: [
          '-e',
          `setInterval(() => require('node:fs').existsSync(${JSON.stringify(stop)}) && process.exit(0), 20)`,
        ],
      },
      logger,
      settleMs: 10,
    });
    watch.start();
    await waitFor('listening', () => watch!.listening, 20_000);
    expect(watch.pollMs).toBe(60_000);
    // The one look made when listening begins; no idle look while the events are heard.
    await waitFor('the first look', () => checks.length >= 1, 20_000);
    await sleep(1000);
    expect(checks).toHaveLength(1);
    writeFileSync(stop, '');
    await waitFor('the events ended', () => !watch!.listening, 20_000);
    expect(watch.pollMs).toBe(150);
    await waitFor('idle looks without the events', () => checks.length >= 3, 20_000);
    watch.setLost(true);
    expect(watch.pollMs).toBe(60_000);
  });

  it('a nudge looks once, shortly after, however many come; the next one waits out the gap', async () => {
    const checks: number[] = [];
    watch = new AudioDeviceWatch({
      check: () => checks.push(Date.now()),
      lostPollMs: 60_000,
      idlePollMs: 60_000,
      events: undefined,
      logger,
      settleMs: 50,
      minGapMs: 2000,
    });
    watch.start();
    for (let i = 0; i < 20; i++) watch.nudge();
    expect(checks).toHaveLength(0);
    await waitFor('the nudged look', () => checks.length >= 1, 20_000);
    watch.nudge(); // an ffmpeg warning right after: not another listing at once
    await sleep(300);
    expect(checks).toHaveLength(1);
    await waitFor('the second nudged look', () => checks.length >= 2, 20_000);
    expect(checks).toHaveLength(2);
    expect(checks[1]! - checks[0]!).toBeGreaterThanOrEqual(1990);
  });
});
