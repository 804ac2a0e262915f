import type { OverlayText } from './osd.filters.js';
import type { PictureSettings } from './picture.filters.js';

/** What a capture job is made of: the inputs of every argument builder in this library. */

export type CapturePlatform = 'win32' | 'linux';

/** H.264 encoders the agent knows. `auto` is resolved by `resolveEncoder` before building. */
export const ENCODERS = ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf'] as const;
export type Encoder = (typeof ENCODERS)[number];

/**
 * Windows capture devices: ddagrab (Desktop Duplication, FFmpeg >= 6.0, frames stay on the GPU)
 * or gdigrab (GDI, slower, but the only one that can follow a window by its title).
 */
export type WindowsGrabber = 'ddagrab' | 'gdigrab';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type CaptureSource =
  | { kind: 'desktop' }
  /** `bounds` (the monitor's place on the virtual desktop) is needed by gdigrab and x11grab. */
  | { kind: 'monitor'; index: number; bounds?: Rect }
  | { kind: 'region'; rect: Rect }
  /** x11grab follows a window by id: the agent resolves the title to `windowId` first. */
  | { kind: 'window'; title: string; windowId?: number }
  | { kind: 'test-pattern' };

export interface StreamEncoding {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  gop: number;
}

/** Where one stream is published: a MediaMTX path, with the camera's publish credentials. */
export interface RtspTarget {
  host: string;
  port: number;
  path: string;
  user: string;
  password: string;
}

/** The camera's audio: a loopback device (and optionally a microphone), one codec, which streams. */
export interface AudioJob {
  /** Linux: a PulseAudio/PipeWire source (`@DEFAULT_MONITOR@`); Windows: a DirectShow audio device name. */
  device: string;
  /** Mixed in with the device when set: a microphone by the same kind of name. */
  microphone?: string;
  codec: 'aac' | 'pcmu';
  bitrateKbps: number;
  sampleRate: number;
  main: boolean;
  sub: boolean;
}

export interface CaptureJob {
  platform: CapturePlatform;
  /** Windows only; defaults to ddagrab. */
  grabber?: WindowsGrabber;
  /** Linux only: the X display, e.g. `:0`. */
  display?: string;
  source: CaptureSource;
  encoder: Encoder;
  drawMouse: boolean;
  main: StreamEncoding;
  sub: StreamEncoding;
  /** ONVIF imaging applied to the capture (picture.filters.ts); absent: the picture as captured. */
  picture?: PictureSettings;
  /** ONVIF OSD text overlays drawn on the capture (osd.filters.ts); absent: none. */
  osd?: OverlayText[];
  publish: { main: RtspTarget; sub: RtspTarget };
  /**
   * A JPEG every `everySeconds` written to file descriptor `fd` (image2pipe), at the main size;
   * with `subFd`, one at the sub size too (the sub profile's snapshot).
   */
  snapshot: { everySeconds: number; fd: number; quality: number; subFd?: number };
  /**
   * A small copy of the picture for the agent's desktop-activity detector: raw rgb24 frames of
   * width × height × 3 bytes on descriptor `fd`, `fps` a second. Cheap: a few kilobytes a frame.
   */
  activity?: { fd: number; width: number; height: number; fps: number };
  /**
   * ffmpeg's `-progress` key=value blocks go to this descriptor, once per `periodSeconds`; without
   * it (ffmpeg < 4.4 has no `-stats_period`) at ffmpeg's fixed period of 0.5 s.
   */
  progress: { fd: number; periodSeconds?: number };
  /**
   * How the outputs are told to pass frames on as they come, never adding repeats (`vfr`):
   * `fps_mode` per output (FFmpeg >= 5.1), else the global `vsync` (4.x). Absent: `fps_mode`.
   */
  videoSync?: 'fps_mode' | 'vsync';
  /** Audio in the RTSP sessions; none when absent (`-an`). */
  audio?: AudioJob;
}

/** A job that cannot be turned into a command line; the message says which field and why. */
export class CaptureArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureArgsError';
  }
}
