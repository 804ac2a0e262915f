/**
 * ffmpeg's `-progress` output: blocks of `key=value` lines, each block ending with
 * `progress=continue` (or `progress=end` when ffmpeg finishes).
 */
export interface ProgressReport {
  frame: number;
  fps: number;
  /** kbit/s of the first output when ffmpeg knows it; RTSP outputs say N/A, hence the fallback. */
  bitrateKbps: number;
  /** Bytes written so far, when ffmpeg knows it. */
  totalSize: number | undefined;
  outTimeUs: number | undefined;
  end: boolean;
}

/** Turns chunks of progress output into reports, one per completed block. */
export class ProgressParser {
  private buffered = '';
  private block = new Map<string, string>();

  push(chunk: string): ProgressReport[] {
    this.buffered += chunk;
    // Only complete lines; a runaway line without a newline is dropped rather than kept forever.
    if (this.buffered.length > 64 * 1024) this.buffered = '';
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    const reports: ProgressReport[] = [];
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key !== 'progress') {
        this.block.set(key, value);
        continue;
      }
      reports.push(this.report(value === 'end'));
      this.block = new Map();
    }
    return reports;
  }

  private report(end: boolean): ProgressReport {
    const num = (key: string) => {
      const v = Number.parseFloat(this.block.get(key) ?? '');
      return Number.isFinite(v) ? v : undefined;
    };
    return {
      frame: num('frame') ?? 0,
      fps: num('fps') ?? 0,
      bitrateKbps: num('bitrate') ?? 0,
      totalSize: num('total_size'),
      outTimeUs: num('out_time_us'),
      end,
    };
  }
}
