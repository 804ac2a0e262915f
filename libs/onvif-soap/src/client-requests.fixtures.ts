import { token } from './test.fixtures.js';

/**
 * Real requests as the named clients write them (prefixes, default namespaces, header layout),
 * with the digest recomputed for the test clock. One table drives the dispatch test, the fuzz test
 * (client-requests.spec.ts) and the envelope shapes' (envelope.shapes.spec.ts).
 */

export interface ClientCase {
  name: string;
  contentType: string;
  xml: string;
  status: number;
  contains: string;
}

const t = token();
const npmOnvifSecurity =
  `<Security s:mustUnderstand="1" xmlns="${t.wsse}"><UsernameToken><Username>${t.username}</Username>` +
  `<Password Type="${t.digestType}">${t.digest}</Password>` +
  `<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${t.nonce}</Nonce>` +
  `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security>`;
const prefixedSecurity = (p: string) =>
  `<wsse:Security ${p}:mustUnderstand="true" xmlns:wsse="${t.wsse}" xmlns:wsu="${t.wsu}"><wsse:UsernameToken>` +
  `<wsse:Username>${t.username}</wsse:Username><wsse:Password Type="${t.digestType}">${t.digest}</wsse:Password>` +
  `<wsse:Nonce>${t.nonce}</wsse:Nonce><wsu:Created>${t.created}</wsu:Created></wsse:UsernameToken></wsse:Security>`;

export const CLIENT_CASES: ClientCase[] = [
  {
    name: 'npm onvif GetSystemDateAndTime, no credentials, default namespace',
    contentType:
      'application/soap+xml;charset=utf-8;action="http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime"',
    xml:
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header></s:Header>' +
      '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
      '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>',
    status: 200,
    contains: '<tt:Year>2026</tt:Year>',
  },
  {
    name: 'npm onvif GetProfiles, default-namespace Security with mustUnderstand',
    contentType: 'application/soap+xml;charset=utf-8',
    xml:
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>${npmOnvifSecurity}</s:Header>` +
      '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
      '<GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/></s:Body></s:Envelope>',
    status: 200,
    contains: 'token="profile_sub"',
  },
  {
    name: 'ONVIF Device Manager GetStreamUri, schema elements in their own default namespace',
    contentType:
      'application/soap+xml; charset=utf-8; action="http://www.onvif.org/ver10/media/wsdl/GetStreamUri"',
    xml:
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${npmOnvifSecurity}</s:Header>` +
      '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
      '<GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><StreamSetup>' +
      '<Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream>' +
      '<Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport></StreamSetup>' +
      '<ProfileToken>profile_main</ProfileToken></GetStreamUri></s:Body></s:Envelope>',
    status: 200,
    contains: 'rtsp://192.168.1.30:8554/desk/6f1c1a2e-0c55-5b8e-9a43-0d9f5b1e2a11/main',
  },
  {
    name: 'Synology CreateProfile, SOAP-ENV and wsse prefixes',
    contentType: 'application/soap+xml; charset=utf-8',
    xml:
      `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ` +
      'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema">' +
      `<SOAP-ENV:Header>${prefixedSecurity('SOAP-ENV')}</SOAP-ENV:Header>` +
      '<SOAP-ENV:Body><trt:CreateProfile><trt:Name>SynoProfile</trt:Name></trt:CreateProfile></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    status: 200,
    contains: '<tt:Name>SynoProfile</tt:Name>',
  },
  {
    name: 'Synology second CreateProfile without credentials',
    contentType: 'application/soap+xml; charset=utf-8',
    xml:
      '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ' +
      'xmlns:trt="http://www.onvif.org/ver10/media/wsdl"><SOAP-ENV:Body><trt:CreateProfile><trt:Name>SynoProfile</trt:Name>' +
      '</trt:CreateProfile></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    status: 401,
    contains: 'ter:NotAuthorized',
  },
  {
    name: 'UniFi Protect GetNetworkInterfaces, default-namespace wsse, no prefix anywhere',
    contentType: 'application/soap+xml',
    xml:
      `<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Header><Security xmlns="${t.wsse}"><UsernameToken>` +
      `<Username>${t.username}</Username><Password Type="${t.digestType}">${t.digest}</Password><Nonce>${t.nonce}</Nonce>` +
      `<Created xmlns="${t.wsu}">${t.created}</Created></UsernameToken></Security></Header>` +
      '<Body><GetNetworkInterfaces xmlns="http://www.onvif.org/ver10/device/wsdl"/></Body></Envelope>',
    status: 200,
    contains: '<tt:HwAddress>02:aa:bb:cc:dd:ee</tt:HwAddress>',
  },
  {
    name: 'ZoneMinder GetStreamUri with RTP_unicast (gSOAP, SOAP 1.2)',
    contentType:
      'application/soap+xml; charset=utf-8; action="http://www.onvif.org/ver10/media/wsdl/GetStreamUri"',
    xml:
      '<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ' +
      'xmlns:SOAP-ENC="http://www.w3.org/2003/05/soap-encoding" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      `xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:trt="http://www.onvif.org/ver10/media/wsdl">` +
      `<SOAP-ENV:Header>${prefixedSecurity('SOAP-ENV')}</SOAP-ENV:Header><SOAP-ENV:Body><trt:GetStreamUri><trt:StreamSetup>` +
      '<tt:Stream>RTP_unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
      '<trt:ProfileToken>profile_sub</trt:ProfileToken></trt:GetStreamUri></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    status: 200,
    contains: '/sub</tt:Uri>',
  },
  {
    name: 'ZoneMinder GetCapabilities over SOAP 1.1 (answered in 1.1)',
    contentType: 'text/xml; charset=utf-8',
    xml:
      '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" ' +
      'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><SOAP-ENV:Body><tds:GetCapabilities><tds:Category>All</tds:Category>' +
      '</tds:GetCapabilities></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    status: 200,
    contains: 'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"',
  },
  {
    name: 'Home Assistant (zeep) GetDeviceInformation, soap-env and ns0 prefixes',
    contentType:
      'application/soap+xml; charset=utf-8; action="http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation"',
    xml:
      `<soap-env:Envelope xmlns:soap-env="http://www.w3.org/2003/05/soap-envelope"><soap-env:Header>${prefixedSecurity('soap-env')}` +
      '</soap-env:Header><soap-env:Body><ns0:GetDeviceInformation xmlns:ns0="http://www.onvif.org/ver10/device/wsdl"/>' +
      '</soap-env:Body></soap-env:Envelope>',
    status: 200,
    contains: '<tds:SerialNumber>DO-6F1C1A2E0C555B8E</tds:SerialNumber>',
  },
  {
    name: 'Hikvision NVR asks for an operation this device lacks',
    contentType: 'application/soap+xml',
    xml:
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${npmOnvifSecurity}</s:Header><s:Body>` +
      '<GetAudioOutputs xmlns="http://www.onvif.org/ver10/media/wsdl"/></s:Body></s:Envelope>',
    status: 500,
    contains: 'ter:ActionNotSupported',
  },
];

/** A small deterministic PRNG (mulberry32), so that a failing mutation can be replayed. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK = [
  '<',
  '>',
  '&',
  '"',
  '/',
  ':',
  '<!DOCTYPE x>',
  '&lt;',
  '&#x0;',
  ']]>',
  '<![CDATA[',
  'xmlns=""',
  '\u0000',
  'é',
];

export function mutate(xml: string, rnd: () => number): string {
  const at = Math.floor(rnd() * xml.length);
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return xml.slice(0, at);
    case 1:
      return xml.slice(0, at) + xml.slice(at + 1 + Math.floor(rnd() * 20));
    case 2:
      return xml.slice(0, at) + JUNK[Math.floor(rnd() * JUNK.length)] + xml.slice(at);
    default: {
      const from = Math.floor(rnd() * xml.length);
      return xml.slice(0, at) + xml.slice(from, from + 40) + xml.slice(at);
    }
  }
}
