import { createHash } from 'node:crypto';

/** ONVIF port choice (DESIGN.md, "Identity and stable ports"): pure functions, no I/O. */

export interface PortRange {
  start: number;
  end: number;
}

export function rangeSize(range: PortRange): number {
  return range.end - range.start + 1;
}

/** `start + hash(identityKey) mod size`: the same key always prefers the same port. */
export function preferredPort(identityKey: string, range: PortRange): number {
  const digest = createHash('sha256').update(identityKey).digest();
  return range.start + (digest.readUInt32BE(0) % rangeSize(range));
}

/** Linear probing from `first`, wrapping round the range once: every port exactly once. */
export function* probeOrder(first: number, range: PortRange): Generator<number> {
  const size = rangeSize(range);
  const offset = Math.min(Math.max(first, range.start), range.end) - range.start;
  for (let i = 0; i < size; i++) yield range.start + ((offset + i) % size);
}

export function inRange(port: number, range: PortRange): boolean {
  return port >= range.start && port <= range.end;
}
