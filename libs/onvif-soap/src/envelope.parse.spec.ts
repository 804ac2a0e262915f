import { buildFault, buildResponse } from './envelope.build.js';
import { DEFAULT_PARSE_LIMITS, EnvelopeReader, parseEnvelope } from './envelope.parse.js';
import { Ns } from './namespaces.js';
import { Faults, SoapFault } from './soap.fault.js';
import { unescapeXml } from './xml.js';

const env = (body: string) => `<e:Envelope xmlns:e="${Ns.soap12}"><e:Body>${body}</e:Body></e:Envelope>`;

describe('parseEnvelope', () => {
  test('resolves namespaces whatever the prefix, default namespaces included', () => {
    const a = parseEnvelope(env(`<x:GetProfiles xmlns:x="${Ns.media}"/>`));
    const b = parseEnvelope(env(`<GetProfiles xmlns="${Ns.media}"/>`));
    for (const r of [a, b])
      expect([r.version, r.operation.ns, r.operation.local]).toEqual(['1.2', Ns.media, 'GetProfiles']);
  });

  test('decodes the predefined entities and character references only', () => {
    const r = parseEnvelope(
      env(`<x:Op xmlns:x="${Ns.device}"><x:Name>a&amp;b&#x41;&#66;&lt;</x:Name></x:Op>`),
    );
    expect(r.operation.children[0]?.text).toBe('a&bAB<');
    expect(unescapeXml('&#x110000;')).toBe('&#x110000;');
  });

  test('attributes: prefixed ones in their namespace, unprefixed in none, declarations left out', () => {
    const r = parseEnvelope(
      env(`<x:Op xmlns:x="${Ns.device}" xmlns:y="urn:y" y:a="1" b="2" xmlns="urn:d"><c/></x:Op>`),
    );
    expect(r.operation.attrs).toEqual([
      { ns: 'urn:y', local: 'a', value: '1' },
      { ns: '', local: 'b', value: '2' },
    ]);
    expect(r.operation.children[0]).toMatchObject({ ns: 'urn:d', local: 'c' });
  });

  test('reads a body chunk by chunk, a multi-byte character split or not', () => {
    const xml = env(`<x:Op xmlns:x="${Ns.device}"><x:Name>Kamera é 東</x:Name></x:Op>`);
    const sut = new EnvelopeReader();
    for (let i = 0; i < xml.length; i += 7) sut.write(xml.slice(i, i + 7));
    expect(sut.end().operation.children[0]?.text).toBe('Kamera é 東');
  });

  test('one reader reads request after request of a connection, each from a clean state', () => {
    const sut = new EnvelopeReader({ ...DEFAULT_PARSE_LIMITS, maxElements: 6, maxHeaderElements: 2 });
    expect(sut.reset()).toBe(true); // nothing read yet: ready as it is
    const first =
      `<e:Envelope xmlns:e="${Ns.soap12}" xmlns:x="${Ns.device}"><e:Header><w:A xmlns:w="urn:w"/></e:Header>` +
      `<e:Body><x:GetHostname/></e:Body></e:Envelope>`;
    sut.write(first);
    const a = sut.end();
    expect(sut.reset()).toBe(true);
    // SOAP 1.1 now, no Header, the prefix x unbound: nothing of the first request may linger.
    sut.write(
      `<s:Envelope xmlns:s="${Ns.soap11}"><s:Body><GetProfiles xmlns="${Ns.media}"/></s:Body></s:Envelope>`,
    );
    const b = sut.end();
    expect([a.version, a.operation.local, a.header?.children[0]?.local]).toEqual(['1.2', 'GetHostname', 'A']);
    expect([b.version, b.operation.ns, b.operation.local, b.header]).toEqual([
      '1.1',
      Ns.media,
      'GetProfiles',
      undefined,
    ]);
    // The limits count per request: 4 elements and 1 header element each time, 6 and 2 allowed.
    expect(sut.reset()).toBe(true);
    sut.write(first);
    expect(sut.end().operation.local).toBe('GetHostname');
    expect(sut.reset()).toBe(true);
    // An unbound prefix: x was declared by the first request only.
    expect(() => {
      sut.write(env('<x:Op/>'));
      sut.end();
    }).toThrow(SoapFault);
    expect(sut.reset()).toBe(false); // a reader that refused a request is not reused
  });

  const refused: [string, string, string][] = [
    ['empty', '   ', 'WellFormed'],
    [
      'a DTD with an external entity',
      `<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>${env('&x;')}`,
      'WellFormed',
    ],
    ['not well-formed', `<e:Envelope xmlns:e="${Ns.soap12}"><a></e:Envelope>`, 'WellFormed'],
    ['no Envelope', '<a/>', 'WellFormed'],
    [
      'an unknown envelope namespace',
      '<e:Envelope xmlns:e="urn:x"><e:Body><a/></e:Body></e:Envelope>',
      'VersionMismatch',
    ],
    ['no Body', `<e:Envelope xmlns:e="${Ns.soap12}"/>`, 'WellFormed'],
    ['an empty Body', env(''), 'WellFormed'],
    ['an undeclared prefix', env('<q:Op/>'), 'WellFormed'],
    ['nesting past the limit', env('<a>'.repeat(100) + '</a>'.repeat(100)), 'WellFormed'],
    [
      'an undefined entity (XML 1.0 WFC: Entity Declared)',
      env(`<x:Op xmlns:x="${Ns.device}">&unknown;</x:Op>`),
      'WellFormed',
    ],
    ['a second root', `${env(`<x:Op xmlns:x="${Ns.device}"/>`)}<a/>`, 'WellFormed'],
    ['a duplicate attribute', env(`<x:Op xmlns:x="${Ns.device}" a="1" a="2"/>`), 'WellFormed'],
    ['text outside the root', `junk${env(`<x:Op xmlns:x="${Ns.device}"/>`)}`, 'WellFormed'],
  ];
  test.each(refused)('refuses %s with a fault', (_name, xml, kind) => {
    let fault: unknown;
    try {
      parseEnvelope(xml);
    } catch (err) {
      fault = err;
    }
    expect(fault).toBeInstanceOf(SoapFault);
    expect((fault as SoapFault).kind).toBe(kind);
  });
});

describe('limits, checked while reading', () => {
  const hostileHeader = (n: number) =>
    `<e:Envelope xmlns:e="${Ns.soap12}"><e:Header>${'<a/>'.repeat(n)}</e:Header>` +
    `<e:Body><x:GetSystemDateAndTime xmlns:x="${Ns.device}"/></e:Body></e:Envelope>`;

  /** Writes the chunks until the reader refuses: the reason, and how much it had been given. */
  function refusal(chunks: string[]): { reason: string; written: number } {
    const sut = new EnvelopeReader();
    let written = 0;
    try {
      for (const chunk of chunks) {
        written += chunk.length;
        sut.write(chunk);
      }
      sut.end();
    } catch (err) {
      expect(err).toBeInstanceOf(SoapFault);
      return { reason: (err as SoapFault).reason, written };
    }
    throw new Error('not refused');
  }

  test('65,000 empty header elements are refused at the 65th, long before the end of the body', () => {
    const xml = hostileHeader(65_000);
    // 1 KiB chunks, as a socket would deliver them: the reader stops after the first few.
    const chunks = Array.from({ length: Math.ceil(xml.length / 1024) }, (_, i) =>
      xml.slice(i * 1024, (i + 1) * 1024),
    );
    const r = refusal(chunks);
    expect(r.reason).toBe('more than 64 elements in the SOAP Header');
    expect(r.written).toBeLessThanOrEqual(1024);
  });

  test.each([
    [
      'elements',
      env(`<x:Op xmlns:x="${Ns.device}">${'<i/>'.repeat(2000)}</x:Op>`),
      `more than ${DEFAULT_PARSE_LIMITS.maxElements} elements`,
    ],
    ['depth', env('<a>'.repeat(100) + '</a>'.repeat(100)), 'elements nested deeper than 64'],
    ['depth, never closed', env('<a>'.repeat(10_000)), 'elements nested deeper than 64'],
    [
      'header characters',
      `<e:Envelope xmlns:e="${Ns.soap12}"><e:Header><a>${'x'.repeat(20_000)}</a></e:Header></e:Envelope>`,
      'a SOAP Header longer than 16384 characters',
    ],
    [
      'attributes',
      env(`<x:Op xmlns:x="${Ns.device}" ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ')}/>`),
      'more than 32 attributes on one element',
    ],
  ])('%s', (_name, xml, reason) => {
    expect(refusal([xml]).reason).toBe(reason);
  });

  test('a root that is no Envelope is refused at its start tag', () => {
    expect(refusal(['<Root><Body>']).reason).toBe('the document is not a SOAP Envelope');
  });

  test('a request at the limits is read', () => {
    expect(parseEnvelope(hostileHeader(64)).header?.children).toHaveLength(64);
  });
});

describe('envelope builders', () => {
  test('a SOAP 1.2 fault carries nested ONVIF subcodes and an escaped reason', () => {
    const xml = buildFault('1.2', Faults.invalidArgVal('NoProfile', 'no profile "<x>"'));
    expect(xml).toContain(
      '<env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:InvalidArgVal</env:Value>' +
        '<env:Subcode><env:Value>ter:NoProfile</env:Value></env:Subcode></env:Subcode></env:Code>',
    );
    expect(xml).toContain('no profile &quot;&lt;x&gt;&quot;');
  });

  test('a SOAP 1.1 fault says Client or Server and keeps the subcode in faultstring', () => {
    const xml = buildFault('1.1', Faults.notAuthorized());
    expect(xml).toContain(
      '<faultcode>env:Client</faultcode><faultstring>ter:NotAuthorized: Sender not authorized</faultstring>',
    );
  });

  test('responses declare every prefix on the Envelope', () => {
    const xml = buildResponse('1.2', '<tds:X/>');
    for (const p of ['tds', 'trt', 'tr2', 'tt', 'ter']) expect(xml).toContain(`xmlns:${p}=`);
  });
});
