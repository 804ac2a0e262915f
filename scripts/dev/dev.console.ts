/**
 * What of a child's log line `make dev` shows on its console: warnings and errors, one short line
 * each (every line stays in the child's log file). The agent's ffmpeg stderr, which it logs line
 * by line at warn, is left to the file: the "ffmpeg exited" line that follows shows its first error.
 */
const MAX_CHARS = 400;
const NOISE = new Set([
  'time',
  'timestamp',
  'pid',
  'service',
  'level',
  'msg',
  'message',
  'context',
  'stderr',
]);

export function consoleView(line: string, verbose: boolean): string | undefined {
  let entry: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      entry = parsed as Record<string, unknown>;
  } catch {
    // not JSON: nats-server's "[WRN]", a stack trace
  }
  if (!entry) return verbose || /\[(WRN|ERR|FTL)\]|error|warn/i.test(line) ? clip(line) : undefined;

  const level = typeof entry['level'] === 'string' ? entry['level'] : 'info';
  const important = /^(warn|warning|error|fatal|war|err|ftl)$/i.test(level);
  if (!verbose && (!important || entry['msg'] === 'ffmpeg')) return undefined;

  // Nest's JSON logger puts a structured message in `message`; the others use `msg`.
  const message = entry['msg'] ?? entry['message'];
  const fields: Record<string, unknown> =
    typeof message === 'object' && message !== null ? { ...message } : {};
  const inner = fields['msg'];
  const text = typeof message === 'string' ? message : typeof inner === 'string' ? inner : '';
  delete fields['msg'];
  for (const [k, v] of Object.entries(entry)) if (!NOISE.has(k)) fields[k] = v;
  const stderr = entry['stderr'];
  if (Array.isArray(stderr) && stderr.length > 0)
    fields['stderr'] = stderr.find((l) => String(l).includes('[error]')) ?? stderr[stderr.length - 1];
  const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return clip(`${level}: ${text}${rest}`);
}

function clip(text: string): string {
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text;
}
