import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@desk-onvif/test-support';

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Writes bench/results/<name>.json and prints it. */
export function writeResult(name: string, result: Record<string, unknown>): string {
  const file = join(REPO_ROOT, 'bench', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${file}\n${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/**
 * Sets `part`'s keys in bench/results/<name>.json and keeps the others: for a result file that
 * several benchmarks share (security.json: the edge's and the NATS side's figures).
 */
export function updateResult(name: string, part: Record<string, unknown>): string {
  const file = join(REPO_ROOT, 'bench', 'results', `${name}.json`);
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // No file yet (or not JSON): this part starts it.
  }
  return writeResult(name, { ...current, ...part });
}
