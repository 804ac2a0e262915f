import { spawn } from 'node:child_process';

export type Rgb = [number, number, number];

/** `#c82878` → [200, 40, 120]. */
export function parseColour(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [1, 2, 3].map((i) => Number.parseInt(m[i] ?? '0', 16)) as Rgb;
}

/** The mean colour of packed rgb24 pixels. */
export function meanColour(rgb: Buffer): Rgb {
  const sum = [0, 0, 0];
  const pixels = Math.floor(rgb.length / 3);
  for (let i = 0; i < pixels * 3; i++) sum[i % 3]! += rgb[i]!;
  return sum.map((s) => Math.round(s / Math.max(1, pixels))) as Rgb;
}

/** Whether every channel is within `tolerance`: H.264 and JPEG shift colours a little (4:2:0, BT.601). */
export function colourNear(a: Rgb, b: Rgb, tolerance = 16): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}

/** Decodes one JPEG with the system ffmpeg: its size and its pixels scaled to 64x64 rgb24. */
export function decodeJpeg(
  jpeg: Buffer,
  ffmpeg = process.env.FFMPEG_BIN ?? 'ffmpeg',
): Promise<{ width: number; height: number; rgb: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      ffmpeg,
      [
        '-hide_banner',
        '-f',
        'image2pipe',
        '-c:v',
        'mjpeg',
        '-i',
        'pipe:0',
        '-frames:v',
        '1',
        '-vf',
        'scale=64:64',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const size = /Video: mjpeg.*?, (\d+)x(\d+)/.exec(err);
      if (code !== 0 || !size)
        return reject(new Error(`ffmpeg could not decode the JPEG (exit ${code}): ${err.slice(-500)}`));
      resolve({ width: Number(size[1]), height: Number(size[2]), rgb: Buffer.concat(out) });
    });
    child.stdin.end(jpeg);
  });
}
