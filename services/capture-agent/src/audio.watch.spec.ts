import { setTimeout as sleep } from 'node:timers/promises';
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

  it('looks once for a burst of device events, and not for other events', async () => {
    const checks: number[] = [];
    watch = new AudioDeviceWatch({
      check: () => checks.push(Date.now()),
      lostPollMs: 60_000,
      idlePollMs: 60_000,
      events: printer(
        `setTimeout(() => console.log(${JSON.stringify(UNLOAD_AND_LOAD.join('\n'))}), 600);` +
          `setTimeout(() => console.log("Event 'change' on source #1"), 1500)`,
      ),
      logger,
      settleMs: 100,
      minGapMs: 100,
    });
    watch.start();
    // One look when listening begins (what changed while nobody listened), one for the burst.
    await sleep(2200);
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
    await sleep(800);
    expect(watch.listening).toBe(false);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; code: number })).toContainEqual(
      expect.objectContaining({ msg: 'sound server events ended: listening again', code: 3 }),
    );
    expect(checks).toBe(1);
  });

  it('without pactl, says so once and relies on the timer: often while lost, seldom otherwise', async () => {
    let checks = 0;
    watch = new AudioDeviceWatch({
      check: () => checks++,
      lostPollMs: 50,
      idlePollMs: 400,
      events: { command: 'desk-onvif-no-such-pactl', args: ['subscribe'] },
      logger,
    });
    watch.start();
    await sleep(300);
    expect(checks).toBe(0);
    expect(lines.filter((l) => l.includes('no pactl'))).toHaveLength(1);
    watch.setLost(true);
    await sleep(520);
    expect(checks).toBeGreaterThanOrEqual(6);
    watch.setLost(false);
    const before = checks;
    await sleep(300);
    expect(checks - before).toBe(0);
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
      minGapMs: 500,
    });
    watch.start();
    for (let i = 0; i < 20; i++) watch.nudge();
    expect(checks).toHaveLength(0);
    await sleep(150);
    expect(checks).toHaveLength(1);
    watch.nudge(); // an ffmpeg warning right after: not another listing at once
    await sleep(150);
    expect(checks).toHaveLength(1);
    await sleep(400);
    expect(checks).toHaveLength(2);
    expect(checks[1]! - checks[0]!).toBeGreaterThanOrEqual(490);
  });
});
