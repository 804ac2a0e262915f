import { CLIENT_CASES, mutate, prng } from './client-requests.fixtures.js';
import { EnvelopeReader, parseEnvelope, type ShapeSource } from './envelope.parse.js';
import { EnvelopeShapes } from './envelope.shapes.js';
import { Ns } from './namespaces.js';
import { context, endpoint, token } from './test.fixtures.js';

/** A request read whole by EnvelopeReader, as the HTTP layer hands it over. */
function read(xml: string): ShapeSource {
  const reader = new EnvelopeReader();
  reader.write(xml);
  reader.end();
  return reader.shapeSource()!;
}

/** The body with every leaf's text replaced by `text(i)` (the i-th leaf). */
function withLeafTexts(source: ShapeSource, text: (i: number) => string): string {
  let out = '';
  let at = 0;
  source.leaves.forEach((leaf, i) => {
    out += source.body.slice(at, leaf.start) + text(i);
    at = leaf.end;
  });
  return out + source.body.slice(at);
}

/** Plain character data a hole may hold, spaces and line feeds round it included. */
const HOLE_CHARS = ' \t\nABCxyz0189+/=:.-_;,!?"\'()[]{}#@$%*~|^`';

function holeText(rnd: () => number): string {
  let s = '';
  for (let n = Math.floor(rnd() * 40); n > 0; n--) s += HOLE_CHARS[Math.floor(rnd() * HOLE_CHARS.length)];
  return s;
}

const GET_STREAM_URI = CLIENT_CASES.find((c) => c.name.startsWith('ONVIF Device Manager GetStreamUri'))!;

describe('EnvelopeShapes', () => {
  test.each(CLIENT_CASES.map((c, i) => [c.name, c.xml, i] as const))(
    '%s: the same request with other leaf texts is found, and equals its parse',
    (_name, xml, i) => {
      const sut = new EnvelopeShapes();
      const source = read(xml);
      sut.learn(source);
      expect(sut.match(xml)).toEqual(parseEnvelope(xml));
      const rnd = prng(5000 + i);
      for (let n = 0; n < 50; n++) {
        const other = withLeafTexts(source, () => holeText(rnd));
        expect(sut.match(other)).toEqual(parseEnvelope(other));
      }
    },
  );

  test('a fresh UsernameToken and another profile: the same shape', () => {
    const sut = new EnvelopeShapes();
    sut.learn(read(GET_STREAM_URI.xml));
    const t = token('operator', {
      created: new Date('2026-03-01T12:00:09.123Z'),
      nonce: Buffer.from('fedcba9876543210'),
    });
    const next = GET_STREAM_URI.xml
      .replace(token().digest, t.digest)
      .replace(token().nonce, t.nonce)
      .replace(token().created, t.created)
      .replace('>admin<', '>operator<')
      .replace('profile_main', 'profile_sub');
    const found = sut.match(next)!;
    expect(found).toEqual(parseEnvelope(next));
    expect(found.operation.children.map((c) => [c.local, c.text])).toContainEqual([
      'ProfileToken',
      'profile_sub',
    ]);
    expect(sut.counts).toEqual({ hits: 1, misses: 0, learned: 1 });
  });

  // Each differs from the learnt request where its text stops being plain character data, or in
  // its markup: none may be answered from the shape (the parser reads them, and refuses some).
  const misses: [string, (xml: string) => string][] = [
    ['an entity in a leaf', (x) => x.replace('profile_main', 'profile&amp;main')],
    ['a character reference', (x) => x.replace('profile_main', 'profile&#x41;')],
    ['a comment in a leaf', (x) => x.replace('profile_main', 'profile<!-- x -->main')],
    ['CDATA in a leaf', (x) => x.replace('profile_main', '<![CDATA[profile_main]]>')],
    ['an element in a leaf', (x) => x.replace('profile_main', '<x/>profile_main')],
    ['a carriage return (normalised by XML)', (x) => x.replace('profile_main', 'profile\r\nmain')],
    ['a > in a leaf', (x) => x.replace('profile_main', 'a]]>b')],
    ['a character outside ASCII', (x) => x.replace('profile_main', 'profilé')],
    ['a control character', (x) => x.replace('profile_main', 'pro\u0001file')],
    ['an attribute more', (x) => x.replace('<ProfileToken>', '<ProfileToken a="1">')],
    ['the envelope prefix bound elsewhere', (x) => x.replaceAll(Ns.soap12, Ns.soap11)],
    ['a default namespace changed', (x) => x.replace(`xmlns="${Ns.media}"`, `xmlns="${Ns.media2}"`)],
    ['a space in a tag', (x) => x.replace('<ProfileToken>', '<ProfileToken >')],
    ['something after the envelope', (x) => `${x} `],
    ['cut short', (x) => x.slice(0, -3)],
    ['an end tag missing', (x) => x.replace('</ProfileToken>', '')],
  ];
  test.each(misses)('%s: not found', (_name, change) => {
    const sut = new EnvelopeShapes();
    sut.learn(read(GET_STREAM_URI.xml));
    const changed = change(GET_STREAM_URI.xml);
    expect(changed).not.toBe(GET_STREAM_URI.xml);
    expect(sut.match(changed)).toBeUndefined();
    expect(sut.counts.hits).toBe(0);
  });

  test.each(CLIENT_CASES.map((c, i) => [c.name, c.xml, i] as const))(
    'fuzz %s: whatever is found equals what the parser makes of it',
    (_name, xml, i) => {
      const sut = new EnvelopeShapes();
      sut.learn(read(xml));
      const rnd = prng(9000 + i);
      for (let n = 0; n < 300; n++) {
        let body = xml;
        for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) body = mutate(body, rnd);
        const found = sut.match(body);
        if (found) expect(found).toEqual(parseEnvelope(body));
      }
    },
  );

  test('what is found is a copy: a caller changing it changes no later request', () => {
    const sut = new EnvelopeShapes();
    sut.learn(read(GET_STREAM_URI.xml));
    const first = sut.match(GET_STREAM_URI.xml)!;
    first.operation.children.length = 0;
    first.header!.children[0]!.attrs.length = 0;
    expect(sut.match(GET_STREAM_URI.xml)).toEqual(parseEnvelope(GET_STREAM_URI.xml));
  });

  test('bounded whatever is learnt: 64 envelope starts, 8 shapes under each', () => {
    const sut = new EnvelopeShapes();
    for (let start = 0; start < 200; start++)
      for (let op = 0; op < 20; op++)
        sut.learn(
          read(
            `<e${start}:Envelope xmlns:e${start}="${Ns.soap12}"><e${start}:Body>` +
              `<Op${op} xmlns="${Ns.device}"><A>a</A></Op${op}></e${start}:Body></e${start}:Envelope>`,
          ),
        );
    expect(sut.size).toBe(64 * 8);
  });

  test('not learnt: a body with a character outside ASCII, one over 8 KB', () => {
    const sut = new EnvelopeShapes();
    sut.learn(read(GET_STREAM_URI.xml.replace('profile_main', 'Kamera é')));
    const long = GET_STREAM_URI.xml.replace('</s:Header>', `${' '.repeat(9000)}</s:Header>`);
    const reader = new EnvelopeReader();
    reader.write(long);
    reader.end();
    expect(reader.shapeSource()).toBeUndefined();
    expect(sut.counts.learned).toBe(0);
  });
});

describe('EnvelopeReader leaves', () => {
  test('only elements with text and no child: not self-closing ones, not text with a comment', () => {
    const source = read(
      `<e:Envelope xmlns:e="${Ns.soap12}"><e:Body><Op xmlns="${Ns.device}"><A>a</A><B/>` +
        `<C>x<!-- c -->y</C><D></D><E><F>f</F></E></Op></e:Body></e:Envelope>`,
    );
    expect(source.leaves.map((l) => [l.node.local, source.body.slice(l.start, l.end)])).toEqual([
      ['A', 'a'],
      ['D', ''],
      ['F', 'f'],
    ]);
  });

  test('a reader part way through a request is not reset; a fresh one is ready', () => {
    const sut = new EnvelopeReader();
    expect(sut.reset()).toBe(true);
    sut.write(`<e:Envelope xmlns:e="${Ns.soap12}">`);
    expect(sut.reset()).toBe(false);
  });
});

describe('SoapEndpoint and shapes', () => {
  const body = (xml: string) => {
    const reader = new EnvelopeReader();
    reader.write(xml);
    return { envelope: reader.end(), shape: reader.shapeSource() };
  };
  const request = (xml: string) => ({
    method: 'POST',
    uri: '/onvif/media_service',
    contentType: GET_STREAM_URI.contentType,
    authorization: undefined,
    body: body(xml),
  });

  test('learns a request it answered, never one it refused', () => {
    const sut = endpoint();
    const refused = sut.handle(request(GET_STREAM_URI.xml.replace(token().digest, 'AAAA')), context());
    expect(refused.outcome).toBe('auth_failed');
    expect(sut.shaped(GET_STREAM_URI.contentType, GET_STREAM_URI.xml)).toBeUndefined();
    expect(sut.shapes.counts.learned).toBe(0);

    expect(sut.handle(request(GET_STREAM_URI.xml), context()).outcome).toBe('ok');
    expect(sut.shapes.counts.learned).toBe(1);
    expect(sut.shaped(GET_STREAM_URI.contentType, GET_STREAM_URI.xml)).toEqual(
      parseEnvelope(GET_STREAM_URI.xml),
    );
    expect(sut.shaped('text/plain', GET_STREAM_URI.xml)).toBeUndefined();
  });

  test('a request found by its shape is still authenticated: its replayed nonce is refused', () => {
    const sut = endpoint();
    expect(sut.handle(request(GET_STREAM_URI.xml), context()).outcome).toBe('ok');
    const again = sut.shaped(GET_STREAM_URI.contentType, GET_STREAM_URI.xml)!;
    const replay = sut.handle({ ...request(GET_STREAM_URI.xml), body: { envelope: again } }, context());
    expect([replay.outcome, replay.authFailure]).toEqual(['auth_failed', 'replayed-nonce']);
  });
});
