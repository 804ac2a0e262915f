import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnTracked, waitUntilReady, type Spawned } from './processes.js';

const run = promisify(execFile);

/**
 * A real X server (Xvfb) on a random display number, ready when xdpyinfo answers. `-noreset`
 * matters: without it the server resets when its last client leaves, and the root window goes
 * back to black, losing what `fill` painted.
 */
export class Xvfb {
  private constructor(
    readonly displayNumber: number,
    private readonly proc: Spawned,
    readonly width: number,
  ) {}

  get display(): string {
    return `:${this.displayNumber}`;
  }

  static async start(opts: { width: number; height: number; depth?: number }): Promise<Xvfb> {
    const screen = `${opts.width}x${opts.height}x${opts.depth ?? 24}`;
    let lastError: unknown;
    for (let attempt = 0; attempt < 8; attempt++) {
      const n = 100 + Math.floor(Math.random() * 30_000);
      if (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`)) continue;
      const proc = spawnTracked(process.env.XVFB_BIN ?? 'Xvfb', [
        `:${n}`,
        '-screen',
        '0',
        screen,
        '-nolisten',
        'tcp',
        '-noreset',
      ]);
      try {
        await waitUntilReady(proc, `Xvfb :${n}`, async () => {
          await run('xdpyinfo', ['-display', `:${n}`], { timeout: 5000 });
          return true;
        });
        return new Xvfb(n, proc, opts.width);
      } catch (err) {
        lastError = err;
        await proc.stop();
      }
    }
    throw new Error(
      `no Xvfb could start: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
    );
  }

  /**
   * Paints the left `leftWidth` columns of the root window `left` and the rest `right`: xsetroot
   * tiles the root with a two-row XBM bitmap as wide as the screen (Xlib refuses a one-row one).
   */
  async split(leftWidth: number, left: string, right: string): Promise<void> {
    const row = Array.from({ length: Math.ceil(this.width / 8) }, (_, i) => {
      let b = 0;
      for (let bit = 0; bit < 8; bit++) if (i * 8 + bit < leftWidth) b |= 1 << bit;
      return `0x${b.toString(16).padStart(2, '0')}`;
    });
    const dir = mkdtempSync(join(tmpdir(), 'xvfb-split-'));
    const file = join(dir, 'split.xbm');
    writeFileSync(
      file,
      `#define split_width ${this.width}\n#define split_height 2\n` +
        `static unsigned char split_bits[] = {\n  ${[...row, ...row].join(', ')} };\n`,
    );
    try {
      await run('xsetroot', ['-display', this.display, '-bitmap', file, '-fg', left, '-bg', right], {
        timeout: 5000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Paints the whole root window one colour (`#rrggbb`), with xsetroot. */
  async fill(colour: string): Promise<void> {
    await run('xsetroot', ['-display', this.display, '-solid', colour], { timeout: 5000 });
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}
