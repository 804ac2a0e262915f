import { createSafeXmlParser } from '@desk-onvif/safe-xml';
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

// A second guard behind checkMarkup's depth limit.
const parser = createSafeXmlParser(1000);

/**
 * Parses one SOAP envelope (1.1 or 1.2) into its header and operation element, namespaces
 * resolved. Every problem is a SoapFault: a DTD (SOAP 1.2 Part 1 §5: "MUST NOT contain a Document
 * Type Declaration"), nesting past the limit, XML that is not well-formed, a root that is no
 * Envelope, a Body without an operation.
 */
export function parseEnvelope(xml: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): SoapRequest {
  if (xml.trim() === '') throw Faults.wellFormed('empty request body: a SOAP envelope is required');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw Faults.wellFormed('a SOAP message must not contain a DTD');
  const problem = checkMarkup(xml, limits.maxDepth);
  if (problem) throw Faults.wellFormed(`not well-formed XML: ${problem}`);
  let raw: unknown;
  try {
    raw = parser.parse(xml);
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
 * One linear pass over the markup before any parser sees it: nesting depth (stopping once past
 * `limit`, so that a 10,000-deep document never reaches recursive code) and tag balance (every
 * end tag closes the element open at that point, nothing stays open). It is the well-formedness
 * check of the hot path: fast-xml-parser's validator would cost as much again as the parse.
 * Skips comments, CDATA, PIs and quoted attribute values. Returns a problem, or undefined.
 */
export function checkMarkup(xml: string, limit: number): string | undefined {
  const open: string[] = [];
  let i = 0;
  const n = xml.length;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    const next = xml[lt + 1];
    if (next === '!' || next === '?') {
      const close =
        next === '?'
          ? '?>'
          : xml.startsWith('<!--', lt)
            ? '-->'
            : xml.startsWith('<![CDATA[', lt)
              ? ']]>'
              : '>';
      const end = xml.indexOf(close, lt + 2);
      if (end < 0) return 'unterminated markup declaration';
      i = end + close.length;
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
    if (j >= n) return 'unterminated tag';
    if (next === '/') {
      const name = xml.slice(lt + 2, j).trim();
      const expected = open.pop();
      if (name !== expected) return `end tag </${name}> does not close <${expected ?? '(nothing)'}>`;
    } else {
      const selfClosing = xml[j - 1] === '/';
      // A self-closing element sits one level down too, it just does not stay open.
      if (open.length + 1 > limit) return `elements nested deeper than ${limit}`;
      if (!selfClosing) open.push(tagName(xml, lt + 1, j));
    }
    i = j + 1;
  }
  return open.length ? `<${open[open.length - 1]}> is never closed` : undefined;
}

function tagName(xml: string, from: number, to: number): string {
  let k = from;
  for (; k < to; k++) {
    const c = xml.charCodeAt(k);
    // space, tab, LF, CR, '/': the name ends
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 47) break;
  }
  return xml.slice(from, k);
}

type RawNode = Record<string, unknown>;

function toNodes(raw: RawNode[], scope: Map<string, string>): XmlNode[] {
  const out: XmlNode[] = [];
  for (const item of raw) {
    let name: string | undefined;
    for (const k in item) {
      if (k !== ':@') {
        name = k;
        break;
      }
    }
    if (name === undefined || name === '#text') continue;
    const rawAttrs = item[':@'] as Record<string, string> | undefined;
    let inner = scope;
    const attrs: XmlAttr[] = [];
    if (rawAttrs) {
      for (const k in rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) {
          if (inner === scope) inner = new Map(scope);
          inner.set(k === 'xmlns' ? '' : k.slice(6), unescapeXml(rawAttrs[k]!));
        }
      }
      for (const k in rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        const [ap, al] = split(k);
        // Namespaces in XML §6.2: an unprefixed attribute is in no namespace.
        attrs.push({ ns: ap ? (inner.get(ap) ?? '') : '', local: al, value: unescapeXml(rawAttrs[k]!) });
      }
    }
    const [prefix, local] = split(name);
    const ns = inner.get(prefix);
    if (ns === undefined && prefix !== '') throw Faults.wellFormed(`undeclared namespace prefix "${prefix}"`);
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
