import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEFAULT_MONITOR, LOOPBACK_DEVICE_NAMES, type CapturePlatform } from '@desk-onvif/ffmpeg-args';

const run = promisify(execFile);

/** An audio capture device as ffmpeg lists it. */
export interface AudioDevice {
  name: string;
  /** Captures what the PC plays: a sink's monitor (Linux), a loopback device (Windows). */
  loopback: boolean;
}

/** How to get a loopback device, said wherever the agent finds none. */
export const NO_LOOPBACK_HINT: Record<CapturePlatform, string> = {
  win32:
    'no loopback audio device: enable "Stereo Mix" (Sound settings > More sound settings > Recording, ' +
    'right-click, Show Disabled Devices, Enable), or install a virtual one (VB-CABLE, or ' +
    "screen-capture-recorder's virtual-audio-capturer), then set audioDevice if its name is not recognised",
  linux:
    'no PulseAudio/PipeWire sink monitor: is a sound server running for this user (pactl info)? ' +
    'Without a sound card, `pactl load-module module-null-sink` gives one',
};

/** `ffmpeg -sources pulse`: `* desk.monitor [Monitor of Null Output] (none)` → the source names. */
export function parsePulseSources(text: string): AudioDevice[] {
  const out: AudioDevice[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\*?\s*(\S+) \[(.*)\]/.exec(line);
    if (!m?.[1]) continue;
    out.push({ name: m[1], loopback: m[1].endsWith('.monitor') || /^Monitor of /i.test(m[2] ?? '') });
  }
  return out;
}

/** `-list_devices true -f dshow` on stderr: `"Stereo Mix (Realtek Audio)" (audio)` → the names. */
export function parseDshowAudio(text: string): AudioDevice[] {
  return [...text.matchAll(/"([^"]+)" \(audio\)/g)].map((m) => ({
    name: m[1] ?? '',
    loopback: LOOPBACK_DEVICE_NAMES.test(m[1] ?? ''),
  }));
}

/** The audio capture devices ffmpeg can open on this platform. */
export async function listAudioDevices(ffmpeg: string, platform: CapturePlatform): Promise<AudioDevice[]> {
  const opts = { timeout: 5000, windowsHide: true, maxBuffer: 4 * 1024 * 1024 };
  // Both list on stderr/stdout and dshow exits with an error after listing: that is its answer.
  const text = (args: string[]) =>
    run(ffmpeg, args, opts).then(
      (r) => `${r.stdout}\n${r.stderr}`,
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}\n${err.stderr ?? ''}`,
    );
  if (platform === 'win32')
    return parseDshowAudio(
      await text(['-hide_banner', '-list_devices', 'true', '-f', 'dshow', '-i', 'dummy']),
    );
  return parsePulseSources(await text(['-hide_banner', '-sources', 'pulse']));
}

/**
 * The device to capture, given what is listed now: the configured one if it is listed; else on
 * Linux the default sink's monitor (`@DEFAULT_MONITOR@`) when any monitor exists, on Windows the
 * first loopback device. Undefined with the reason when there is none.
 */
export function chooseAudioDevice(
  platform: CapturePlatform,
  configured: string | undefined,
  listed: AudioDevice[],
): { device: string; why?: undefined } | { device: undefined; why: string } {
  if (configured) {
    const present =
      configured === DEFAULT_MONITOR
        ? listed.some((d) => d.loopback)
        : listed.some((d) => d.name === configured);
    return present
      ? { device: configured }
      : { device: undefined, why: `audio device "${configured}" is not there` };
  }
  const loopback = listed.find((d) => d.loopback);
  if (!loopback) return { device: undefined, why: NO_LOOPBACK_HINT[platform] };
  return { device: platform === 'linux' ? DEFAULT_MONITOR : loopback.name };
}
