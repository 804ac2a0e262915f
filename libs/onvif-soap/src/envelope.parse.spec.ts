import { buildFault, buildResponse } from './envelope.build.js';
import { checkMarkup, parseEnvelope } from './envelope.parse.js';
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
      env(`<x:Op xmlns:x="${Ns.device}"><x:Name>a&amp;b&#x41;&#66;&lt;&unknown;</x:Name></x:Op>`),
    );
    expect(r.operation.children[0]?.text).toBe('a&bAB<&unknown;');
    expect(unescapeXml('&#x110000;')).toBe('&#x110000;');
  });

  const refused: [string, string, string][] = [
    ['empty', '   ', 'WellFormed'],
    [
      'a DTD with an external entity',
      `<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>${env('&x;')}`,
      'WellFormed',
    ],
    ['not well-formed', '<e:Envelope xmlns:e="x"><a></e:Envelope>', 'WellFormed'],
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

describe('checkMarkup', () => {
  test.each([
    ['balanced, self-closing at the limit', '<a><b/><c><d/></c></a>', 3, undefined],
    [
      'markup inside quotes, comments, CDATA and PIs',
      '<a x=">"><!-- <b><c> --><![CDATA[<d><e>]]><?pi <f>?></a>',
      1,
      undefined,
    ],
    ['too deep', '<a><b><c/></b></a>', 2, 'elements nested deeper than 2'],
    ['10,000 deep stops at the limit', '<a>'.repeat(10_000), 64, 'elements nested deeper than 64'],
    ['a wrong end tag', '<a><b></a></b>', 8, 'end tag </a> does not close <b>'],
    ['an element never closed', '<a><b></b>', 8, '<a> is never closed'],
    ['an end tag with nothing open', '</a>', 8, 'end tag </a> does not close <(nothing)>'],
    ['an unterminated tag', '<a x="1"', 8, 'unterminated tag'],
    ['an unterminated comment', '<a><!-- x', 8, 'unterminated markup declaration'],
  ])('%s', (_name, xml, limit, problem) => expect(checkMarkup(xml, limit)).toBe(problem));
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
