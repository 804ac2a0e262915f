import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { promisify } from 'node:util';
import ffmpegStatic from 'ffmpeg-static';
import { hardwareCandidates, type CapturePlatform, type Rect } from '@desk-onvif/ffmpeg-args';

const run = promisify(execFile);

/**
 * The ffmpeg to run: the configured path, else ffmpeg-static's (which honours FFMPEG_BIN); in the
 * one-file agent, ffmpeg.exe beside it, else one on PATH (`ffmpeg.beside.ts`).
 */
export function ffmpegPath(configured: string | undefined): string {
  const path = configured ?? (ffmpegStatic as unknown as string | null);
  if (!path)
    throw new Error(
      'no ffmpeg found (none beside the agent, none on PATH): set AGENT_FFMPEG_PATH or --ffmpeg-path',
    );
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`ffmpeg not found or not executable at ${path}: set AGENT_FFMPEG_PATH or FFMPEG_BIN`);
  }
  return path;
}

/** Hardware encoders this ffmpeg lists and can actually open, found by a tiny test encode each. */
export async function workingHardwareEncoders(
  ffmpeg: string,
  platform: CapturePlatform,
  listed: readonly string[],
): Promise<string[]> {
  const working: string[] = [];
  for (const encoder of hardwareCandidates(platform, listed)) {
    const probe = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=size=256x144:rate=5'];
    const ok = await run(ffmpeg, [...probe, '-frames:v', '3', '-c:v', encoder, '-f', 'null', '-'], {
      timeout: 15_000,
      windowsHide: true,
    }).then(
      () => true,
      () => false,
    );
    if (ok) working.push(encoder);
  }
  return working;
}

export interface Monitor {
  index: number;
  name: string;
  primary: boolean;
  bounds: Rect;
}

/** Monitors of an X display, from `xrandr --listmonitors`. */
export async function x11Monitors(display: string): Promise<Monitor[]> {
  return parseXrandrMonitors(await output('xrandr', ['--display', display, '--listmonitors']));
}

/** ` 0: +*DP-1 1920/530x1080/300+0+0  DP-1` → index 0, DP-1, primary, 1920x1080 at 0,0. */
export function parseXrandrMonitors(text: string): Monitor[] {
  const monitors: Monitor[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+):\s+\+?(\*?)(\S+)\s+(\d+)\/\d+x(\d+)\/\d+\+(\d+)\+(\d+)/.exec(line);
    if (!m) continue;
    const [index, star, name, width, height, x, y] = m.slice(1);
    monitors.push({
      index: Number(index),
      name: name ?? '',
      primary: star === '*',
      bounds: { x: Number(x), y: Number(y), width: Number(width), height: Number(height) },
    });
  }
  return monitors;
}

/** Why no monitor could be named; sources that need no list (desktop, region:, window:) still work. */
export function noMonitorsMessage(platform: CapturePlatform): string {
  return platform === 'win32'
    ? 'no monitor listed: PowerShell ([System.Windows.Forms.Screen]::AllScreens) returned nothing'
    : 'no monitor listed: xrandr --listmonitors returned nothing';
}

/** The monitors, or why there are none to show (the lister failed, or answered nothing). */
export async function listMonitors(
  platform: CapturePlatform,
  display: string,
): Promise<{ monitors: Monitor[]; problem?: string }> {
  let monitors: Monitor[];
  try {
    monitors = platform === 'win32' ? await windowsMonitors() : await x11Monitors(display);
  } catch (err) {
    const tool = platform === 'win32' ? 'PowerShell' : 'xrandr';
    const detail = (err as { stderr?: string; message?: string }).stderr?.trim() || (err as Error).message;
    return { monitors: [], problem: `cannot list monitors: ${tool} failed: ${detail}` };
  }
  return monitors.length ? { monitors } : { monitors, problem: noMonitorsMessage(platform) };
}

/** Monitors on Windows, from .NET's Screen class (bounds on the virtual desktop, as gdigrab wants). */
export async function windowsMonitors(): Promise<Monitor[]> {
  const script =
    'Add-Type -AssemblyName System.Windows.Forms; [System.Windows.Forms.Screen]::AllScreens | ' +
    'ForEach-Object { "{0}|{1}|{2}|{3}|{4}|{5}" -f $_.DeviceName,$_.Primary,$_.Bounds.X,$_.Bounds.Y,$_.Bounds.Width,$_.Bounds.Height }';
  return parseWindowsScreens(
    await output('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]),
  );
}

/** `\\.\DISPLAY1|True|0|0|1920|1080` lines, one per screen; anything else is ignored. */
export function parseWindowsScreens(text: string): Monitor[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.includes('|'))
    .map((l, index) => {
      const [name = '', primary, x, y, width, height] = l.trim().split('|');
      return {
        index,
        name,
        primary: primary === 'True',
        bounds: { x: Number(x), y: Number(y), width: Number(width), height: Number(height) },
      };
    });
}

/** An X window's id by its exact title, from `xwininfo -name`. */
export async function x11WindowId(display: string, title: string): Promise<number> {
  const text = await output('xwininfo', ['-display', display, '-name', title]);
  const m = /Window id: (0x[0-9a-f]+)/i.exec(text);
  if (!m?.[1]) throw new Error(`no window titled "${title}" on ${display}`);
  return Number.parseInt(m[1], 16);
}

async function output(cmd: string, args: string[]): Promise<string> {
  return (await run(cmd, args, { timeout: 15_000, windowsHide: true, maxBuffer: 4 * 1024 * 1024 })).stdout;
}
