import { Actions, MatchBy, NS, type QName, type SoapVersion } from './namespaces.js';
import { XmlReadError, child, listOf, readXml, type XmlElement } from './xml.reader.js';

/** What a datagram turned out to be. Other devices' Hello, Bye and matches are recognised and ignored. */
export type DiscoveryMessage =
  | { kind: 'probe'; soap: SoapVersion; messageId: string; types: QName[]; scopes: string[]; matchBy: string }
  | { kind: 'resolve'; soap: SoapVersion; messageId: string; endpoint: string }
  | { kind: 'hello' | 'bye' | 'probe-matches' | 'resolve-matches'; soap: SoapVersion; messageId: string };

export type MalformedReason =
  | 'oversized'
  | 'not-utf8'
  | 'not-xml'
  | 'dtd'
  | 'too-complex'
  | 'not-soap'
  | 'no-message-id'
  | 'action-mismatch'
  | 'bad-qname'
  | 'not-discovery';

export type ParseResult = { ok: true; message: DiscoveryMessage } | { ok: false; reason: MalformedReason };

/**
 * Datagrams larger than this are dropped unread. A Probe is well under 2 KiB; SOAP-over-UDP
 * leaves the limit to the receiver, and 16 KiB keeps the parser's work small.
 */
export const MAX_DATAGRAM_BYTES = 16 * 1024;
/** More types or scopes than this in one Probe is abuse, not discovery. */
export const MAX_PROBE_ITEMS = 32;
const MAX_MESSAGE_ID = 512;

const BODY_KINDS: Record<string, DiscoveryMessage['kind']> = {
  Probe: 'probe',
  Resolve: 'resolve',
  Hello: 'hello',
  Bye: 'bye',
  ProbeMatches: 'probe-matches',
  ResolveMatches: 'resolve-matches',
};
const ACTION_OF: Record<DiscoveryMessage['kind'], string> = {
  probe: Actions.probe,
  resolve: Actions.resolve,
  hello: Actions.hello,
  bye: Actions.bye,
  'probe-matches': Actions.probeMatches,
  'resolve-matches': Actions.resolveMatches,
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one WS-Discovery datagram (SOAP 1.2, or SOAP 1.1 as some clients still send). Never
 * throws: anything unusable comes back as a reason, for a silent drop and a metric.
 */
export function parseDatagram(datagram: Uint8Array, maxBytes = MAX_DATAGRAM_BYTES): ParseResult {
  if (datagram.byteLength > maxBytes) return { ok: false, reason: 'oversized' };
  let text: string;
  try {
    text = utf8.decode(datagram);
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
  try {
    return parseEnvelope(readXml(text));
  } catch (err) {
    if (err instanceof XmlReadError) {
      return { ok: false, reason: err.reason === 'unbound-prefix' ? 'not-xml' : err.reason };
    }
    // fast-xml-parser may still fail in ways of its own (e.g. a stack overflow): never a crash.
    return { ok: false, reason: 'not-xml' };
  }
}

function parseEnvelope(envelope: XmlElement): ParseResult {
  const soapNs = envelope.ns;
  const soap: SoapVersion | undefined =
    soapNs === NS.soap12 ? '1.2' : soapNs === NS.soap11 ? '1.1' : undefined;
  if (!soap || envelope.local !== 'Envelope') return { ok: false, reason: 'not-soap' };
  const header = child(envelope, soapNs, 'Header');
  const body = child(envelope, soapNs, 'Body');
  if (!body) return { ok: false, reason: 'not-soap' };
  const payload = body.children[0];
  const kind = payload?.ns === NS.wsd ? BODY_KINDS[payload.local] : undefined;
  if (!payload || !kind) return { ok: false, reason: 'not-discovery' };

  const messageId = child(header, NS.wsa, 'MessageID')?.text ?? '';
  if (messageId === '' || messageId.length > MAX_MESSAGE_ID) return { ok: false, reason: 'no-message-id' };
  const action = child(header, NS.wsa, 'Action')?.text;
  if (action !== undefined && action !== ACTION_OF[kind]) return { ok: false, reason: 'action-mismatch' };

  switch (kind) {
    case 'probe':
      return parseProbe(payload, soap, messageId);
    case 'resolve': {
      const endpoint = child(child(payload, NS.wsa, 'EndpointReference'), NS.wsa, 'Address')?.text ?? '';
      if (endpoint === '') return { ok: false, reason: 'not-discovery' };
      return { ok: true, message: { kind, soap, messageId, endpoint } };
    }
    case 'hello':
    case 'bye':
    case 'probe-matches':
    case 'resolve-matches':
      return { ok: true, message: { kind, soap, messageId } };
  }
}

function parseProbe(probe: XmlElement, soap: SoapVersion, messageId: string): ParseResult {
  const typesEl = child(probe, NS.wsd, 'Types');
  const scopesEl = child(probe, NS.wsd, 'Scopes');
  const rawTypes = listOf(typesEl?.text);
  const scopes = listOf(scopesEl?.text);
  if (rawTypes.length > MAX_PROBE_ITEMS || scopes.length > MAX_PROBE_ITEMS) {
    return { ok: false, reason: 'too-complex' };
  }
  const types: QName[] = [];
  for (const raw of rawTypes) {
    const q = resolveQName(raw, typesEl as XmlElement);
    if (!q) return { ok: false, reason: 'bad-qname' };
    types.push(q);
  }
  const matchBy = scopesEl?.attrs.MatchBy?.trim() || MatchBy.rfc3986;
  return { ok: true, message: { kind: 'probe', soap, messageId, types, scopes, matchBy } };
}

/** An xs:QName value resolved in its element's scope; unprefixed names take the default namespace. */
function resolveQName(raw: string, el: XmlElement): QName | undefined {
  const colon = raw.indexOf(':');
  const prefix = colon < 0 ? '' : raw.slice(0, colon);
  const local = colon < 0 ? raw : raw.slice(colon + 1);
  const ns = el.scope.get(prefix) ?? (prefix === '' ? '' : undefined);
  if (ns === undefined || local === '' || local.includes(':')) return undefined;
  return { ns, local };
}
