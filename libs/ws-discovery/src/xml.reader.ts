import { createSafeXmlParser } from '@desk-onvif/safe-xml';
import { unescapeXml } from '@desk-onvif/safe-xml';

/**
 * A namespace-aware view of a small XML document on top of fast-xml-parser, which itself only
 * sees prefixed names: elements are matched by namespace URI, never by prefix, because clients
 * use `wsd:`, `d:`, `dn:` or default namespaces for the same thing.
 */
export interface XmlElement {
  ns: string;
  local: string;
  /** Unqualified attributes only (e.g. MatchBy); qualified ones are not needed here. */
  attrs: Record<string, string>;
  /** The element's own text, trimmed and unescaped. */
  text: string;
  children: XmlElement[];
  /** In-scope prefixes, to resolve QName values such as `dn:NetworkVideoTransmitter`. */
  scope: ReadonlyMap<string, string>;
}

export class XmlReadError extends Error {
  constructor(readonly reason: 'not-xml' | 'dtd' | 'too-complex' | 'unbound-prefix') {
    super(reason);
    this.name = 'XmlReadError';
  }
}

/** Limits that keep the work for one datagram small whatever its content. */
export const XML_LIMITS = { maxDepth: 24, maxElements: 400 } as const;

const parser = createSafeXmlParser(XML_LIMITS.maxDepth);

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Parses one document; throws XmlReadError for anything that is not a single well-formed element. */
export function readXml(text: string): XmlElement {
  // SOAP 1.2 Part 1 §5: a SOAP message must not contain a document type declaration.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlReadError('dtd');
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text, true) as OrderedNode[];
  } catch (err) {
    throw new XmlReadError(/nested/i.test((err as Error).message) ? 'too-complex' : 'not-xml');
  }
  const roots = nodes.filter((n) => elementName(n) !== undefined);
  if (roots.length !== 1 || nodes.some((n) => '#text' in n)) throw new XmlReadError('not-xml');
  const budget = { left: XML_LIMITS.maxElements };
  return toElement(roots[0] as OrderedNode, new Map([['xml', XML_NS]]), budget);
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?'));
}

function toElement(
  node: OrderedNode,
  parentScope: ReadonlyMap<string, string>,
  budget: { left: number },
): XmlElement {
  if (--budget.left < 0) throw new XmlReadError('too-complex');
  const name = elementName(node) as string;
  const rawAttrs = node[':@'] ?? {};
  let scope = parentScope;
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), unescapeXml(value));
    } else if (!key.includes(':')) {
      attrs[key] = unescapeXml(value);
    }
  }
  const colon = name.indexOf(':');
  const prefix = colon < 0 ? '' : name.slice(0, colon);
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') throw new XmlReadError('unbound-prefix');
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[name] as OrderedNode[] | undefined) ?? []) {
    if ('#text' in child) text += String(child['#text']);
    else if (elementName(child) !== undefined) children.push(toElement(child, scope, budget));
  }
  return {
    ns: ns ?? '',
    local: colon < 0 ? name : name.slice(colon + 1),
    attrs,
    text: unescapeXml(text.trim()),
    children,
    scope,
  };
}

export function child(el: XmlElement | undefined, ns: string, local: string): XmlElement | undefined {
  return el?.children.find((c) => c.ns === ns && c.local === local);
}

/** Splits an xs:list value (whitespace-separated). */
export function listOf(text: string | undefined): string[] {
  return text ? text.split(/\s+/).filter((s) => s.length > 0) : [];
}
