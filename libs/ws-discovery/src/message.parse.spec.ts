import { DATAGRAM_CASES, fixtureBytes } from '../test/fixtures.js';
import { parseDatagram, type ParseResult } from './message.parse.js';
import { ONVIF_DEVICE_TYPES } from './namespaces.js';
import { scopesMatch, typesMatch } from './scope.match.js';

const camera = {
  types: ONVIF_DEVICE_TYPES,
  scopes: [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    'onvif://www.onvif.org/name/Front%20desk',
    'onvif://www.onvif.org/hardware/Desktop%20Camera',
    'onvif://www.onvif.org/location/pc-17',
    'onvif://www.onvif.org/mac/02:aa:bb:cc:dd:ee',
  ],
};

const text = (xml: string) => new TextEncoder().encode(xml);
const probe = (header: string, body: string, soap = 'http://www.w3.org/2003/05/soap-envelope') =>
  text(
    `<s:Envelope xmlns:s="${soap}" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
      `xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`,
  );
const ID = '<a:MessageID>urn:uuid:1</a:MessageID>';

describe('parseDatagram: datagrams real clients send', () => {
  it.each(DATAGRAM_CASES)('$name', ({ file, decoded, matchesCamera }) => {
    const sut = parseDatagram(fixtureBytes(file));
    if ('malformed' in decoded) {
      expect(sut).toEqual({ ok: false, reason: decoded.malformed });
      return;
    }
    expect(sut).toEqual({ ok: true, message: decoded });
    if (matchesCamera !== undefined && decoded.kind === 'probe') {
      const matched =
        typesMatch(decoded.types, camera.types) &&
        scopesMatch(decoded.scopes, camera.scopes, decoded.matchBy);
      expect(matched).toBe(matchesCamera);
    }
  });
});

describe('parseDatagram: what is dropped, and why', () => {
  const cases: Array<[string, Uint8Array, ParseResult]> = [
    ['larger than the limit', new Uint8Array(16 * 1024 + 1), { ok: false, reason: 'oversized' }],
    ['not UTF-8', Uint8Array.from([0x3c, 0xff, 0xfe, 0x3e]), { ok: false, reason: 'not-utf8' }],
    ['not XML', text('hello'), { ok: false, reason: 'not-xml' }],
    ['two roots', text('<a/><b/>'), { ok: false, reason: 'not-xml' }],
    ['unclosed', text('<s:Envelope xmlns:s="x">'), { ok: false, reason: 'not-xml' }],
    ['unbound prefix', text('<x:Envelope/>'), { ok: false, reason: 'not-xml' }],
    ['XML but not SOAP', text('<Envelope/>'), { ok: false, reason: 'not-soap' }],
    [
      'SOAP without a Body',
      text('<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"/>'),
      { ok: false, reason: 'not-soap' },
    ],
    [
      'a Body that is not WS-Discovery',
      probe(ID, '<GetSystemDateAndTime/>'),
      { ok: false, reason: 'not-discovery' },
    ],
    ['a Probe without MessageID', probe('', '<d:Probe/>'), { ok: false, reason: 'no-message-id' }],
    [
      'an Action that contradicts the Body',
      probe(
        `${ID}<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Resolve</a:Action>`,
        '<d:Probe/>',
      ),
      { ok: false, reason: 'action-mismatch' },
    ],
    [
      'a Types QName with an unbound prefix',
      probe(ID, '<d:Probe><d:Types>zz:Thing</d:Types></d:Probe>'),
      { ok: false, reason: 'bad-qname' },
    ],
    [
      'more than 32 scopes',
      probe(ID, `<d:Probe><d:Scopes>${'onvif://x/y '.repeat(33)}</d:Scopes></d:Probe>`),
      { ok: false, reason: 'too-complex' },
    ],
    [
      'nesting deeper than the limit',
      probe(ID, `<d:Probe>${'<q>'.repeat(40)}${'</q>'.repeat(40)}</d:Probe>`),
      { ok: false, reason: 'too-complex' },
    ],
    ['a Resolve without an address', probe(ID, '<d:Resolve/>'), { ok: false, reason: 'not-discovery' }],
  ];
  it.each(cases)('%s', (_name, datagram, expected) => {
    expect(parseDatagram(datagram)).toEqual(expected);
  });

  it('keeps an unknown MatchBy for the matcher to refuse, and decodes character references', () => {
    const sut = parseDatagram(
      probe(
        '<a:MessageID>urn:uuid:&#x41;&amp;1</a:MessageID>',
        '<d:Probe><d:Scopes MatchBy="http://example.com/ldap">ldap:///ou=x</d:Scopes></d:Probe>',
      ),
    );
    expect(sut).toMatchObject({
      ok: true,
      message: { messageId: 'urn:uuid:A&1', matchBy: 'http://example.com/ldap' },
    });
  });
});
