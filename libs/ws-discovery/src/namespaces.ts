/** Namespace URIs, actions and well-known addresses of WS-Discovery 2005/04 as ONVIF uses it. */

export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  /** WS-Addressing 2004/08, the version WS-Discovery 2005/04 is built on. */
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  /** ONVIF network WSDL: `dn:NetworkVideoTransmitter`. */
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  /** ONVIF device WSDL: `tds:Device`. */
  tds: 'http://www.onvif.org/ver10/device/wsdl',
} as const;

export type SoapVersion = '1.1' | '1.2';

const action = (name: string) => `${NS.wsd}/${name}`;

export const Actions = {
  hello: action('Hello'),
  bye: action('Bye'),
  probe: action('Probe'),
  probeMatches: action('ProbeMatches'),
  resolve: action('Resolve'),
  resolveMatches: action('ResolveMatches'),
} as const;

/** WS-Discovery 2005/04 §2.4: the [To] of multicast messages (Hello, Bye, Probe, Resolve). */
export const DISCOVERY_URN = 'urn:schemas-xmlsoap-org:ws:2005:04:discovery';
/** WS-Addressing 2004/08 §2.1: the [To] of a reply sent back to the requester. */
export const ANONYMOUS = `${NS.wsa}/role/anonymous`;

/** WS-Discovery 2005/04 §5.1: scope matching rules. */
export const MatchBy = {
  rfc3986: `${NS.wsd}/rfc3986`,
  strcmp0: `${NS.wsd}/strcmp0`,
} as const;

/** A qualified name: namespace URI plus local name. */
export interface QName {
  ns: string;
  local: string;
}

/** The types of an ONVIF device (ONVIF Core 7.3.2.2): tds:Device, and dn:NetworkVideoTransmitter for older clients. */
export const ONVIF_DEVICE_TYPES: readonly QName[] = [
  { ns: NS.dn, local: 'NetworkVideoTransmitter' },
  { ns: NS.tds, local: 'Device' },
];

/** SOAP-over-UDP: the IPv4 multicast group and port of WS-Discovery. */
export const MULTICAST_GROUP = '239.255.255.250';
export const DISCOVERY_PORT = 3702;
/** WS-Discovery 2005/04 §2.4 APP_MAX_DELAY: the longest random wait before a unicast reply. */
export const APP_MAX_DELAY_MS = 500;
