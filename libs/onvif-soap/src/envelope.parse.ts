import { XMLParser } from 'fast-xml-parser';
import { Ns } from './namespaces.js';
import { Faults } from './soap.fault.js';
import { unescapeXml, type XmlAttr, type XmlNode } from './xml.js';

export type SoapVersion = '1.1' | '1.2';

export interface SoapRequest {
  version: SoapVersion;
  header: XmlNode | undefined;
  /** The first element of the Body: the operation, e.g. {device}GetStreamUri. */
  operation: XmlNode;
}

export interface ParseLimits {
  /** Deepest element nesting accepted; ONVIF requests stay far below 32. */
  maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxDepth: 64 };

/**
 * fast-xml-parser with entity processing off: no DTD entity, no external entity, no expansion.
 * Values stay strings; `preserveOrder` keeps one uniform node shape to resolve namespaces on.
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  commentPropName: false,
});

/**
 * Parses one SOAP envelope (1.1 or 1.2) into its header and operation element, namespaces
 * resolved. Every problem is a SoapFault: a DTD (SOAP 1.2 Part 1 §5: "MUST NOT contain a Document
 * Type Declaration"), nesting past the limit, XML that is not well-formed, a root that is no
 * Envelope, a Body without an operation.
 */
export function parseEnvelope(xml: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): SoapRequest {
  if (xml.trim() === '') throw Faults.wellFormed('empty request body: a SOAP envelope is required');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw Faults.wellFormed('a SOAP message must not contain a DTD');
  const depth = nestingDepth(xml, limits.maxDepth);
  if (depth > limits.maxDepth) throw Faults.wellFormed(`elements nested deeper than ${limits.maxDepth}`);
  let raw: unknown;
  try {
    raw = parser.parse(xml, true);
  } catch (err) {
    throw Faults.wellFormed(`not well-formed XML: ${firstLine(err)}`);
  }
  const roots = toNodes(raw as RawNode[], new Map([['xml', Ns.xml]]));
  const env = roots[0];
  if (roots.length !== 1 || !env || env.local !== 'Envelope') {
    throw Faults.wellFormed('the document is not a SOAP Envelope');
  }
  let version: SoapVersion;
  if (env.ns === Ns.soap12) version = '1.2';
  else if (env.ns === Ns.soap11) version = '1.1';
  else throw Faults.versionMismatch(`unknown envelope namespace "${env.ns}"`);
  const header = env.children.find((c) => c.ns === env.ns && c.local === 'Header');
  const body = env.children.find((c) => c.ns === env.ns && c.local === 'Body');
  if (!body) throw Faults.wellFormed('the Envelope has no Body');
  const operation = body.children[0];
  if (!operation) throw Faults.wellFormed('the Body is empty: no operation');
  return { version, header, operation };
}

/**
 * Nesting depth by a linear scan, stopping once past `limit`, so that a 10,000-deep document is
 * refused before any recursive code sees it. Skips comments, CDATA, PIs and quoted attributes.
 */
export function nestingDepth(xml: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let i = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    const next = xml[lt + 1];
    if (next === '!') {
      const close = xml.startsWith('<!--', lt) ? '-->' : xml.startsWith('<![CDATA[', lt) ? ']]>' : '>';
      const end = xml.indexOf(close, lt + 2);
      i = end < 0 ? n : end + close.length;
      continue;
    }
    if (next === '?') {
      const end = xml.indexOf('?>', lt + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    let j = lt + 1;
    let quote = '';
    while (j < n) {
      const c = xml[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      j++;
    }
    if (next === '/') depth--;
    else {
      // A self-closing element sits one level down too, it just does not stay open.
      const level = depth + 1;
      if (xml[j - 1] !== '/') depth = level;
      if (level > max) max = level;
      if (max > limit) return max;
    }
    i = j + 1;
  }
  return max;
}

type RawNode = Record<string, unknown>;

function toNodes(raw: RawNode[], scope: Map<string, string>): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of raw) {
    const name = Object.keys(item).find((k) => k !== ':@');
    if (name === undefined || name === '#text') continue;
    const rawAttrs = (item[':@'] ?? {}) as Record<string, string>;
    let inner = scope;
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (inner === scope) inner = new Map(scope);
        inner.set(k === 'xmlns' ? '' : k.slice(6), unescapeXml(v));
      }
    }
    const [prefix, local] = split(name);
    const ns = inner.get(prefix);
    if (ns === undefined && prefix !== '') throw Faults.wellFormed(`undeclared namespace prefix "${prefix}"`);
    const attrs: XmlAttr[] = [];
    for (const [k, v] of Object.entries(rawAttrs)) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
      const [ap, al] = split(k);
      // Namespaces in XML §6.2: an unprefixed attribute is in no namespace.
      attrs.push({ ns: ap ? (inner.get(ap) ?? '') : '', local: al, value: unescapeXml(v) });
    }
    const content = (item[name] ?? []) as RawNode[];
    let text = '';
    for (const c of content) if (typeof c['#text'] === 'string') text += c['#text'];
    out.push({ ns: ns ?? '', local, attrs, children: toNodes(content, inner), text: unescapeXml(text) });
  }
  return out;
}

function split(qname: string): [string, string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? ['', qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 200);
}
