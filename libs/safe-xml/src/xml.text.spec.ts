import { createSafeXmlParser } from './safe.parser.js';
import { escapeXml, unescapeXml } from './xml.text.js';

describe('XML text', () => {
  it.each([
    ['plain', 'plain'],
    ['a<b>&"c\'', 'a&lt;b&gt;&amp;&quot;c&apos;'],
    [42, '42'],
    [true, 'true'],
  ])('escapes %p', (value, escaped) => {
    expect(escapeXml(value)).toBe(escaped);
  });

  it.each([
    ['a&lt;b&gt;&amp;&quot;&apos;', 'a<b>&"\''],
    ['&#65;&#x42;', 'AB'],
    ['&#xD800;', '&#xD800;'],
    ['&#0;', '&#0;'],
    ['&unknown;', '&unknown;'],
    ['no refs', 'no refs'],
  ])('unescapes %p', (value, text) => {
    expect(unescapeXml(value)).toBe(text);
  });
});

describe('the safe parser', () => {
  const sut = createSafeXmlParser(8);
  it('never expands an entity', () => {
    const doc = '<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;&x;</a>';
    const parsed: unknown = sut.parse(doc);
    expect(JSON.stringify(parsed)).not.toContain('boom');
  });
  it('refuses nesting past its bound', () => {
    expect(() => {
      sut.parse(`${'<a>'.repeat(20)}${'</a>'.repeat(20)}`);
    }).toThrow();
  });
});
