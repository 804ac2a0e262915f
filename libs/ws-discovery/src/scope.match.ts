import { MatchBy, type QName } from './namespaces.js';

/**
 * Probe matching, WS-Discovery 2005/04 §5.1 and §5.3: a target matches when it has every Type
 * of the Probe and every Scope of the Probe matches one of its scopes under the Probe's rule.
 */

export function typesMatch(wanted: readonly QName[], offered: readonly QName[]): boolean {
  return wanted.every((w) => offered.some((o) => o.ns === w.ns && o.local === w.local));
}

/** Unknown rules (ldap, uuid, or anything else) match nothing: §5.3 lets a target stay silent. */
export function isSupportedRule(matchBy: string): boolean {
  return matchBy === MatchBy.rfc3986 || matchBy === MatchBy.strcmp0;
}

export function scopesMatch(wanted: readonly string[], offered: readonly string[], matchBy: string): boolean {
  if (wanted.length === 0) return true;
  if (matchBy === MatchBy.strcmp0) return wanted.every((w) => offered.includes(w));
  if (matchBy !== MatchBy.rfc3986) return false;
  const targets = offered.map(splitScope);
  return wanted.every((w) => {
    const probe = splitScope(w);
    return probe !== undefined && targets.some((t) => t !== undefined && rfc3986Prefix(probe, t));
  });
}

interface SplitScope {
  /** scheme and authority, lower-cased: compared case-insensitively */
  origin: string;
  /** path segments, percent-decoded: compared case-sensitively */
  segments: string[];
}

/**
 * §5.1 rfc3986: scheme and authority equal ignoring case, the probe's path segments a segment-wise
 * prefix of the target's, no "." or ".." segments, query and fragment ignored; both canonicalised
 * first (percent-escapes decoded). A trailing "/" adds no segment, so `…/Profile/` matches
 * `…/Profile/Streaming` as clients that probe that way expect.
 */
export function splitScope(uri: string): SplitScope | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)/.exec(uri);
  if (!m) return undefined;
  const segments: string[] = [];
  for (const raw of (m[3] ?? '').split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg === '.' || seg === '..') return undefined;
    segments.push(seg);
  }
  return { origin: `${(m[1] as string).toLowerCase()}://${(m[2] ?? '').toLowerCase()}`, segments };
}

function rfc3986Prefix(probe: SplitScope, target: SplitScope): boolean {
  return (
    probe.origin === target.origin &&
    probe.segments.length <= target.segments.length &&
    probe.segments.every((s, i) => s === target.segments[i])
  );
}
