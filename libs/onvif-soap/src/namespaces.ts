/** The namespace URIs the ONVIF services speak. Requests are matched by URI, never by prefix. */
export const Ns = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
  imaging: 'http://www.onvif.org/ver20/imaging/wsdl',
  /** WS-BaseNotification 1.3 (Subscribe, Renew, Unsubscribe, Notify) and WS-Topics. */
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsa: 'http://www.w3.org/2005/08/addressing',
  /** The ONVIF topic namespace (`tns1:VideoSource/MotionAlarm`…). */
  topics: 'http://www.onvif.org/ver10/topics',
  schema: 'http://www.onvif.org/ver10/schema',
  error: 'http://www.onvif.org/ver10/error',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** WS-Security UsernameToken Profile 1.0 §4: the two password types. */
export const PasswordType = {
  digest: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest',
  text: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText',
} as const;

/**
 * The prefixes of every response. Declared once on the Envelope, so that each Body child
 * validates on its own with these in scope.
 */
export const RESPONSE_PREFIXES = {
  tds: Ns.device,
  trt: Ns.media,
  tr2: Ns.media2,
  tt: Ns.schema,
  ter: Ns.error,
  tev: Ns.events,
  timg: Ns.imaging,
  wsnt: Ns.wsnt,
  wsa: Ns.wsa,
  tns1: Ns.topics,
  wstop: Ns.wstop,
} as const;
