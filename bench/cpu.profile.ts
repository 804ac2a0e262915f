import { readFileSync } from 'node:fs';

/** What `make profile-agent` and `make profile-soap` read of a V8 .cpuprofile. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time per frame (function, file:line), in % of the samples, and of the wall time not idle. */
export function topFrames(file: string, n: number): string[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const counts = new Map<string, number>();
  for (const s of p.samples) {
    const f = byId.get(s)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|services|libs)\//, '$1/')}:${f.lineNumber + 1}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const idle = counts.get('(idle) :0') ?? 0;
  const busy = p.samples.length - idle;
  return [
    `${p.samples.length} samples, ${busy} not idle (${((100 * busy) / p.samples.length).toFixed(2)} % of the time)`,
    ...[...counts.entries()]
      .filter(([k]) => k !== '(idle) :0')
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, c]) => `${((100 * c) / busy).toFixed(1).padStart(5)} % of busy  ${k}`),
  ];
}
