import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AvReader, onsetsOf, waitFor, type PulsePlayer, type Xvfb } from '@desk-onvif/test-support';

/**
 * A/V sync as an NVR receives it: a frame flash and a click played at the same moment, read back by
 * one RTSP reader decoding both tracks; the offset is taken from the decoded streams' timestamps
 * (the reader aligns the tracks by the publisher's RTCP sender reports). Shared by the audio
 * end-to-end test and `make bench-audio`.
 */

export interface AvOffset {
  /** Audio minus video at the reader, less what the harness itself put between click and flash. */
  offsetMs: number;
  /** How long xsetroot ran (spawn to exit), the flash painted at its end: how loaded the X side was. */
  paintMs: number;
}

export interface SyncOptions {
  /** The desktop's colour between flashes, and the flash. */
  dark: string;
  flash: string;
  events?: number;
  /** How long the events may take to come out of the reader (its decoder lags on a busy machine). */
  readBackMs?: number;
  /** How long each flash and each dark pause lasts: 500 ms, more where the X server is starved. */
  holdMs?: number;
  /**
   * How many flash-click pairs are enough (all events by default). A benchmark on a busy machine
   * may miss a click or a flash: the pairs it did read are still each a measurement, paired by time
   * (a click within holdMs of a flash), never by position.
   */
  minPairs?: number;
}

export async function measureAvOffsets(
  url: string,
  desktop: Xvfb,
  player: PulsePlayer,
  opts: SyncOptions,
): Promise<AvOffset[]> {
  const count = opts.events ?? 5;
  const reader = AvReader.start(url);
  try {
    // The reader aligns the two tracks by the sender reports (one every 5 s per track): events
    // before both have arrived would be on unaligned clocks.
    await waitFor('both tracks decoded for 6 s', () => readingFor(reader) >= 6, 20_000, 100);
    const events: { clickAt: number; flashFrom: number; flashTo: number }[] = [];
    const began = performance.now(); // what the reader gave before is the warm-up
    for (let i = 0; i < count; i++) {
      const clickAt = Date.now() + 500;
      player.clickAt(clickAt);
      await sleep(clickAt - Date.now());
      const flashFrom = Date.now();
      await desktop.fill(opts.flash);
      events.push({ clickAt, flashFrom, flashTo: Date.now() });
      await sleep(opts.holdMs ?? 500);
      await desktop.fill(opts.dark);
      await sleep(opts.holdMs ?? 500);
    }
    const seen = () => ({
      flashes: onsetsOf(
        reader.video().filter((s) => s.at >= began),
        150,
      ),
      clicks: onsetsOf(
        reader.audio().filter((s) => s.at >= began),
        -20,
      ),
    });
    // The last event through encoder, media server and decoder (late on a busy machine).
    await waitFor(
      `the ${count} events at the reader`,
      () => seen().clicks.length >= count && seen().flashes.length >= count,
      opts.readBackMs ?? 10_000,
      200,
    ).catch(() => undefined);
    const { flashes, clicks } = seen();
    const pairs = pairByTime(flashes, clicks, (opts.holdMs ?? 500) / 1000);
    if (
      pairs.length < (opts.minPairs ?? count) ||
      (opts.minPairs === undefined && (flashes.length !== count || clicks.length !== count))
    ) {
      const v = reader.video();
      const a = reader.audio();
      const brief = (xs: typeof v) =>
        xs.length
          ? `${xs.length} (pts ${xs[0]!.pts}…${xs.at(-1)!.pts}, values ${[...new Set(xs.map((s) => Math.round(s.value)))].slice(0, 12).join(' ')})`
          : 'none';
      throw new Error(
        `${count} events played, ${flashes.length} flashes and ${clicks.length} clicks read back; ` +
          `xsetroot painted in ${events.map((e) => e.flashTo - e.flashFrom).join(', ')} ms; ` +
          `video samples ${brief(v)}, audio samples ${brief(a)}; ${reader.output().slice(-200)}`,
      );
    }
    // xsetroot paints at the end of its life: its paint is its last request, 0.5-2.5 ms before it
    // exits (strace); what comes before is process start-up and the X connection, 15-80 ms with the
    // load. So the flash is taken as painted when xsetroot's exit is seen (a few ms after the paint;
    // the middle of its run, taken before, made every offset too negative by half of the run). With
    // every event read back, each pair is corrected by its own event; otherwise by their median.
    const played = events.map((e) => e.clickAt - e.flashTo);
    const whole = pairs.length === count;
    const median = [...played].sort((a, b) => a - b)[Math.floor(played.length / 2)]!;
    const paints = events.map((e) => e.flashTo - e.flashFrom).sort((a, b) => a - b);
    const paintMedian = paints[Math.floor(paints.length / 2)]!;
    return pairs.map(([flash, click], i) => ({
      offsetMs: Math.round((click - flash) * 1000 - (whole ? played[i]! : median)),
      paintMs: whole ? events[i]!.flashTo - events[i]!.flashFrom : paintMedian,
    }));
  } finally {
    await reader.stop();
  }
}

/** Each flash with the click nearest to it within `windowS`, each click used once (times in s). */
export function pairByTime(flashes: number[], clicks: number[], windowS: number): [number, number][] {
  const free = [...clicks];
  const out: [number, number][] = [];
  for (const flash of flashes) {
    let best = -1;
    for (let j = 0; j < free.length; j++)
      if (
        Math.abs(free[j]! - flash) < windowS &&
        (best < 0 || Math.abs(free[j]! - flash) < Math.abs(free[best]! - flash))
      )
        best = j;
    if (best >= 0) out.push([flash, free.splice(best, 1)[0]!]);
  }
  return out;
}

/** Seconds both tracks have been coming out of the reader. */
export function readingFor(reader: AvReader): number {
  const span = (xs: { at: number }[]) => (xs.length > 1 ? (xs.at(-1)!.at - xs[0]!.at) / 1000 : 0);
  return Math.min(span(reader.video()), span(reader.audio()));
}
