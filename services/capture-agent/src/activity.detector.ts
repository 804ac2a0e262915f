/**
 * Desktop activity from the capture itself: ffmpeg hands the agent a small copy of every frame
 * (a few kilobytes of rgb24, see ffmpeg-args' `activity`); each frame is compared with the previous
 * one cell by cell. A cell changed when enough of its pixels moved by more than `pixelThreshold`
 * levels in any channel (so a change of colour at equal brightness counts too); the desktop is active when at least `minCells` cells changed, and stays active for
 * `holdMs` after the last change, so that a user typing or scrolling does not make it flap.
 * Pure: frames and clock readings in, transitions out.
 */
export interface ActivitySettings {
  width: number;
  height: number;
  /** Bytes a pixel: 3 for rgb24 (the agent's), 1 for grey. */
  channels?: number;
  /** The grid: cells across and down. */
  cellsX: number;
  cellsY: number;
  /** Grey levels (0-255) a pixel must move by to count as changed. */
  pixelThreshold: number;
  /** Share of a cell's pixels that must change for the cell to count (0-1). */
  cellShare: number;
  minCells: number;
  holdMs: number;
}

export type ActivityTransition = 'started' | 'stopped';

export class ActivityDetector {
  private previous: Buffer | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private active = false;
  private lastChangeMs = 0;
  private readonly frameBytes: number;
  private readonly pixels: number;
  private readonly channels: number;
  private readonly cellOf: Uint16Array;
  private readonly cellPixels: Uint32Array;
  private readonly changed: Uint32Array;

  constructor(private readonly s: ActivitySettings) {
    this.channels = s.channels ?? 1;
    this.pixels = s.width * s.height;
    this.frameBytes = this.pixels * this.channels;
    const cells = s.cellsX * s.cellsY;
    this.cellOf = new Uint16Array(this.pixels);
    this.cellPixels = new Uint32Array(cells);
    this.changed = new Uint32Array(cells);
    for (let y = 0; y < s.height; y++)
      for (let x = 0; x < s.width; x++) {
        const cell =
          Math.min(s.cellsY - 1, Math.floor((y * s.cellsY) / s.height)) * s.cellsX +
          Math.min(s.cellsX - 1, Math.floor((x * s.cellsX) / s.width));
        this.cellOf[y * s.width + x] = cell;
        this.cellPixels[cell]! += 1;
      }
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Bytes as they come from the pipe; whole frames are compared, in order. */
  push(chunk: Buffer, nowMs: number): ActivityTransition[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: ActivityTransition[] = [];
    while (this.pendingBytes >= this.frameBytes) {
      const all =
        this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      const frame = Buffer.from(all.subarray(0, this.frameBytes));
      const rest = all.subarray(this.frameBytes);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
      const t = this.frame(frame, nowMs);
      if (t) out.push(t);
    }
    return out;
  }

  /** How long the hold has left at `nowMs` (0 when inactive or over): when to `tick` if no frame comes. */
  holdLeftMs(nowMs: number): number {
    return this.active ? Math.max(0, this.lastChangeMs + this.s.holdMs - nowMs) : 0;
  }

  /** Called on a timer too: the hold ends even when no frame comes (capture stalled). */
  tick(nowMs: number): ActivityTransition | undefined {
    if (this.active && nowMs - this.lastChangeMs >= this.s.holdMs) {
      this.active = false;
      return 'stopped';
    }
    return undefined;
  }

  /** A new capture starts: no previous frame to compare with, and no activity. */
  reset(): ActivityTransition | undefined {
    this.previous = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.active) return undefined;
    this.active = false;
    return 'stopped';
  }

  /** How many cells changed between two frames (exported for tests and the benchmark). */
  changedCells(a: Buffer, b: Buffer): number {
    this.changed.fill(0);
    const threshold = this.s.pixelThreshold;
    const ch = this.channels;
    for (let p = 0, i = 0; p < this.pixels; p++, i += ch) {
      for (let c = 0; c < ch; c++) {
        const d = a[i + c]! - b[i + c]!;
        if (d > threshold || d < -threshold) {
          this.changed[this.cellOf[p]!]! += 1;
          break;
        }
      }
    }
    let cells = 0;
    for (let c = 0; c < this.changed.length; c++)
      if (this.changed[c]! > 0 && this.changed[c]! >= this.cellPixels[c]! * this.s.cellShare) cells++;
    return cells;
  }

  private frame(frame: Buffer, nowMs: number): ActivityTransition | undefined {
    const previous = this.previous;
    this.previous = frame;
    if (previous && this.changedCells(previous, frame) >= this.s.minCells) {
      this.lastChangeMs = nowMs;
      if (!this.active) {
        this.active = true;
        return 'started';
      }
      return undefined;
    }
    return this.tick(nowMs);
  }
}
