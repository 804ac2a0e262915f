import { Ns, RESPONSE_PREFIXES } from './namespaces.js';
import type { SoapVersion } from './envelope.parse.js';
import type { SoapFault } from './soap.fault.js';
import { esc } from './xml.js';

const DECLARATIONS = Object.entries(RESPONSE_PREFIXES)
  .map(([p, uri]) => ` xmlns:${p}="${uri}"`)
  .join('');

const OPEN = {
  '1.2': `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="${Ns.soap12}"${DECLARATIONS}>`,
  '1.1': `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope xmlns:env="${Ns.soap11}"${DECLARATIONS}>`,
} as const;

/** The HTTP Content-Type of each version: SOAP 1.2 Part 2 §7.1.4, SOAP 1.1 §6.1.1. */
export const CONTENT_TYPE: Record<SoapVersion, string> = {
  '1.2': 'application/soap+xml; charset=utf-8',
  '1.1': 'text/xml; charset=utf-8',
};

/** A response envelope around body XML written with the RESPONSE_PREFIXES. */
export function buildResponse(version: SoapVersion, body: string): string {
  return `${OPEN[version]}<env:Body>${body}</env:Body></env:Envelope>`;
}

/** A fault envelope in the request's version. */
export function buildFault(version: SoapVersion, fault: SoapFault): string {
  return version === '1.2' ? fault12(fault) : fault11(fault);
}

function fault12(fault: SoapFault): string {
  let subcodes = '';
  for (let i = fault.subcodes.length - 1; i >= 0; i--) {
    subcodes = `<env:Subcode><env:Value>ter:${fault.subcodes[i]}</env:Value>${subcodes}</env:Subcode>`;
  }
  // SOAP 1.2 Part 1 §5.4.7: a VersionMismatch fault names the envelope versions understood.
  const header =
    fault.code === 'VersionMismatch'
      ? `<env:Header><env:Upgrade><env:SupportedEnvelope qname="env:Envelope"/></env:Upgrade></env:Header>`
      : '';
  return (
    `${OPEN['1.2']}${header}<env:Body><env:Fault>` +
    `<env:Code><env:Value>env:${fault.code}</env:Value>${subcodes}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${esc(fault.reason)}</env:Text></env:Reason>` +
    `</env:Fault></env:Body></env:Envelope>`
  );
}

/** SOAP 1.1 §4.4.1: Client/Server; the ONVIF subcode goes first in faultstring. */
function fault11(fault: SoapFault): string {
  const code = fault.code === 'Sender' ? 'Client' : fault.code === 'Receiver' ? 'Server' : fault.code;
  const sub = fault.subcodes.length ? `ter:${fault.subcodes.join('/ter:')}: ` : '';
  return (
    `${OPEN['1.1']}<env:Body><env:Fault><faultcode>env:${code}</faultcode>` +
    `<faultstring>${esc(sub + fault.reason)}</faultstring></env:Fault></env:Body></env:Envelope>`
  );
}
