import type { WindowsGrabber } from './capture.types.js';

/**
 * What one ffmpeg binary can do, read from its own answers (`-version`, `-h long`, `-devices`,
 * `-filters`, `-encoders`): the agent runs with the ffmpeg it finds — ffmpeg-static's 6.1, a
 * distribution's 5.1, an old 4.1 on PATH — and builds only arguments that binary takes.
 */
export interface FfmpegFeatures {
  /** As ffmpeg prints it: `4.1`, `6.1.1`, `5.1.9-0+deb12u1`, `N-113000-g1a2b3c`. */
  version: string;
  /** `-stats_period` (FFmpeg >= 4.4); without it `-progress` reports every 0.5 s. */
  statsPeriod: boolean;
  /**
   * `-fps_mode` (FFmpeg >= 5.1), the per-output frame-rate mode; older ones (the 4.1 of Windows/Wine
   * installs) have only the global `-vsync`.
   */
  fpsMode: boolean;
  /** Input devices (`-devices`, D flag): x11grab, gdigrab, dshow, lavfi… */
  inputDevices: string[];
  /** Filters (`-filters`): ddagrab (FFmpeg >= 6.0 on Windows), testsrc2… */
  filters: string[];
  /** Encoders (`-encoders`): libx264, h264_nvenc… */
  encoders: string[];
}

/** The version from the first line of `ffmpeg -version`: `ffmpeg version 4.1 Copyright …` → `4.1`. */
export function parseFfmpegVersion(text: string): string | undefined {
  return /^ffmpeg version (\S+)/m.exec(text)?.[1];
}

/** Whether `ffmpeg -h long` lists the option (`-stats_period time  set the period…`). */
export function listsOption(helpText: string, option: string): boolean {
  return new RegExp(`^-${option}\\b`, 'm').test(helpText);
}

/** Input devices from `ffmpeg -hide_banner -devices` (` D  gdigrab   GDI API …`, ` DE alsa …`). */
export function parseDeviceList(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^ D[E ]? (\S+)\s/.exec(line);
    if (m?.[1]) names.push(...m[1].split(','));
  }
  return names;
}

/** Names from `ffmpeg -hide_banner -filters` (` ... ddagrab   |->V   Grab Windows Desktop…`). */
export function parseFilterList(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^ [.A-Z ]{3} (\S+)\s+\S*->\S*\s/.exec(line);
    if (m?.[1]) names.push(m[1]);
  }
  return names;
}

/** A grabber this ffmpeg lacks, and what the agent uses instead. */
export interface GrabberChoice {
  grabber: WindowsGrabber;
  /** Set when the configured grabber is not in this ffmpeg: why another is used. */
  fallback?: string;
}

/**
 * Windows: ddagrab (a lavfi source, FFmpeg >= 6.0) when this ffmpeg has it, else gdigrab, which
 * every Windows build has. The agent says when it falls back: capture then costs more CPU.
 */
export function chooseGrabber(configured: WindowsGrabber, features: FfmpegFeatures): GrabberChoice {
  if (configured === 'ddagrab' && !features.filters.includes('ddagrab'))
    return {
      grabber: 'gdigrab',
      fallback: `ffmpeg ${features.version} has no ddagrab (FFmpeg 6.0 or later has it): using gdigrab`,
    };
  return { grabber: configured };
}
