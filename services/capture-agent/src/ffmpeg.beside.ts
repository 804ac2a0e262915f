import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/**
 * The one-file agent's stand-in for ffmpeg-static (its download cannot be bundled; esbuild aliases
 * the package to this module): `ffmpeg.exe` beside the program — the zip ships one when the build
 * had one — else the first ffmpeg on PATH; null when there is none (then AGENT_FFMPEG_PATH).
 */
export function ffmpegBeside(
  execPath: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): string | null {
  const exe = platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';
  const beside = join(dirname(execPath), exe);
  if (existsSync(beside)) return beside;
  const path = env['PATH'] ?? env['Path'] ?? '';
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, exe);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export default ffmpegBeside(process.execPath, process.env, process.platform);
