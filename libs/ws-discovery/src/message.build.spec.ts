import { SAMPLE_TARGET as target } from '../test/fixtures.js';
import { buildBye, buildHello, buildProbeMatches, buildResolveMatches } from './message.build.js';
import { parseDatagram } from './message.parse.js';
import { NS } from './namespaces.js';

const appSequence = { instanceId: 1_700_000_001, messageNumber: 7 };
const bytes = (s: string) => new TextEncoder().encode(s);

describe('building messages', () => {
  it('a ProbeMatches relates to the Probe, carries one match and reads back', () => {
    const xml = buildProbeMatches({
      soap: '1.2',
      messageId: 'urn:uuid:m1',
      relatesTo: 'uuid:p&1',
      appSequence,
      target,
    });
    expect(xml.match(/<d:ProbeMatch>/g)).toHaveLength(1);
    expect(xml).toContain('<a:RelatesTo>uuid:p&amp;1</a:RelatesTo>');
    expect(xml).toContain('<d:AppSequence InstanceId="1700000001" MessageNumber="7"/>');
    expect(xml).toContain('<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>');
    expect(xml).toContain('onvif://www.onvif.org/name/Ann%20%26%20Bob%20%3Clab%3E');
    expect(xml).toContain('<d:XAddrs>http://192.0.2.10:8090/onvif/device_service</d:XAddrs>');
    expect(parseDatagram(bytes(xml))).toEqual({
      ok: true,
      message: { kind: 'probe-matches', soap: '1.2', messageId: 'urn:uuid:m1' },
    });
  });

  it('answers a SOAP 1.1 Probe in SOAP 1.1', () => {
    const xml = buildProbeMatches({
      soap: '1.1',
      messageId: 'urn:uuid:m2',
      relatesTo: 'urn:uuid:p',
      appSequence,
      target,
    });
    expect(xml).toContain(`xmlns:s="${NS.soap11}"`);
    expect(parseDatagram(bytes(xml))).toMatchObject({ ok: true, message: { soap: '1.1' } });
  });

  it('ResolveMatches, Hello and Bye read back as what they are', () => {
    const resolve = buildResolveMatches({
      soap: '1.2',
      messageId: 'urn:uuid:r',
      relatesTo: 'urn:uuid:q',
      appSequence,
      target,
    });
    const hello = buildHello({ messageId: 'urn:uuid:h', appSequence, target });
    const bye = buildBye({ messageId: 'urn:uuid:b', appSequence, target });
    expect(parseDatagram(bytes(resolve))).toMatchObject({ ok: true, message: { kind: 'resolve-matches' } });
    expect(parseDatagram(bytes(hello))).toMatchObject({ ok: true, message: { kind: 'hello' } });
    expect(parseDatagram(bytes(bye))).toMatchObject({ ok: true, message: { kind: 'bye' } });
    expect(hello).toContain('<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>');
    expect(bye).not.toContain('XAddrs');
  });

  it('declares a prefix for types outside the ONVIF namespaces', () => {
    const xml = buildHello({
      messageId: 'urn:uuid:h',
      appSequence,
      target: { ...target, types: [{ ns: 'urn:example:types', local: 'Thing' }] },
    });
    expect(xml).toContain('<d:Types xmlns:t0="urn:example:types">t0:Thing</d:Types>');
  });

  it('refuses numbers that are not xs:unsignedInt', () => {
    expect(() =>
      buildBye({ messageId: 'urn:uuid:b', appSequence: { instanceId: -1, messageNumber: 1 }, target }),
    ).toThrow(RangeError);
  });
});
