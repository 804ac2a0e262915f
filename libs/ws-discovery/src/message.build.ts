import { ANONYMOUS, Actions, DISCOVERY_URN, NS, type QName, type SoapVersion } from './namespaces.js';
import { escapeXml } from '@desk-onvif/safe-xml';

/** A Target Service as WS-Discovery 2005/04 §4 describes it: one camera. */
export interface TargetService {
  /** The endpoint reference address, stable for the device's life: `urn:uuid:<camera id>`. */
  address: string;
  types: readonly QName[];
  scopes: readonly string[];
  xaddrs: readonly string[];
  /** Grows whenever types, scopes or xaddrs change (§4.1). */
  metadataVersion: number;
}

/** §7: AppSequence lets receivers order messages; InstanceId grows on every restart. */
export interface AppSequence {
  instanceId: number;
  messageNumber: number;
}

interface Common {
  messageId: string;
  appSequence: AppSequence;
  target: TargetService;
}

export interface ReplyArgs extends Common {
  soap: SoapVersion;
  /** The MessageID of the Probe or Resolve answered. */
  relatesTo: string;
}

/** §5.3: one ProbeMatch per message, which every client parses (some read only the first match). */
export function buildProbeMatches(args: ReplyArgs): string {
  const match = `<d:ProbeMatch>${endpointReference(args.target)}${description(args.target)}</d:ProbeMatch>`;
  return envelope(
    args.soap,
    replyHeader(args, Actions.probeMatches),
    `<d:ProbeMatches>${match}</d:ProbeMatches>`,
  );
}

/** §6.2: ResolveMatch requires XAddrs. */
export function buildResolveMatches(args: ReplyArgs): string {
  const match = `<d:ResolveMatch>${endpointReference(args.target)}${description(args.target)}</d:ResolveMatch>`;
  return envelope(
    args.soap,
    replyHeader(args, Actions.resolveMatches),
    `<d:ResolveMatches>${match}</d:ResolveMatches>`,
  );
}

/** §4.1: multicast when a target joins the network or its metadata changes. */
export function buildHello(args: Common): string {
  const hello = `<d:Hello>${endpointReference(args.target)}${description(args.target)}</d:Hello>`;
  return envelope('1.2', multicastHeader(args, Actions.hello), hello);
}

/** §4.2: multicast when a target leaves; only the endpoint reference is required. */
export function buildBye(args: Common): string {
  return envelope(
    '1.2',
    multicastHeader(args, Actions.bye),
    `<d:Bye>${endpointReference(args.target)}</d:Bye>`,
  );
}

const FIXED_PREFIXES = new Map<string, string>([
  [NS.dn, 'dn'],
  [NS.tds, 'tds'],
]);

function envelope(soap: SoapVersion, header: string, body: string): string {
  const soapNs = soap === '1.2' ? NS.soap12 : NS.soap11;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="${soapNs}" xmlns:a="${NS.wsa}" xmlns:d="${NS.wsd}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    `<s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

function replyHeader(args: ReplyArgs, action: string): string {
  // The reply goes back to the sender of the request: [To] is anonymous (WS-Addressing 2004/08 §3).
  return (
    `<a:MessageID>${escapeXml(args.messageId)}</a:MessageID>` +
    `<a:RelatesTo>${escapeXml(args.relatesTo)}</a:RelatesTo>` +
    `<a:To>${ANONYMOUS}</a:To><a:Action>${action}</a:Action>${appSequence(args.appSequence)}`
  );
}

function multicastHeader(args: Common, action: string): string {
  return (
    `<a:MessageID>${escapeXml(args.messageId)}</a:MessageID>` +
    `<a:To>${DISCOVERY_URN}</a:To><a:Action>${action}</a:Action>${appSequence(args.appSequence)}`
  );
}

function appSequence(seq: AppSequence): string {
  return `<d:AppSequence InstanceId="${uint32(seq.instanceId)}" MessageNumber="${uint32(seq.messageNumber)}"/>`;
}

function endpointReference(target: TargetService): string {
  return `<a:EndpointReference><a:Address>${escapeXml(target.address)}</a:Address></a:EndpointReference>`;
}

function description(target: TargetService): string {
  const types = target.types.map((q, i) => qnameText(q, i)).join(' ');
  return (
    `<d:Types${typeDeclarations(target.types)}>${types}</d:Types>` +
    `<d:Scopes>${target.scopes.map(escapeXml).join(' ')}</d:Scopes>` +
    `<d:XAddrs>${target.xaddrs.map(escapeXml).join(' ')}</d:XAddrs>` +
    `<d:MetadataVersion>${uint32(target.metadataVersion)}</d:MetadataVersion>`
  );
}

function qnameText(q: QName, i: number): string {
  return `${FIXED_PREFIXES.get(q.ns) ?? `t${i}`}:${q.local}`;
}

/** Types from namespaces other than ONVIF's own get a prefix declared on the element. */
function typeDeclarations(types: readonly QName[]): string {
  return types.map((q, i) => (FIXED_PREFIXES.has(q.ns) ? '' : ` xmlns:t${i}="${escapeXml(q.ns)}"`)).join('');
}

function uint32(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${n} is not an xs:unsignedInt`);
  return n;
}
