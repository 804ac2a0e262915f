/** A namespace-resolved XML element: what the operations read, whatever prefixes the client used. */
export interface XmlNode {
  ns: string;
  local: string;
  attrs: XmlAttr[];
  children: XmlNode[];
  /** Text content, entity references decoded, trimmed. */
  text: string;
}

export interface XmlAttr {
  ns: string;
  local: string;
  value: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text and attribute values for the response builders. */
export function esc(value: string | number | boolean): string {
  const s = String(value);
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c) : s;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and character references, nothing else: the parser runs with
 * entity processing off (XXE and entity expansion), and a DTD is refused before it, so no other
 * entity can exist. An unknown reference stays as written.
 */
export function unescapeXml(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}

export function child(node: XmlNode | undefined, local: string, ns?: string): XmlNode | undefined {
  return node?.children.find((c) => c.local === local && (ns === undefined || c.ns === ns));
}

export function children(node: XmlNode | undefined, local: string, ns?: string): XmlNode[] {
  return node ? node.children.filter((c) => c.local === local && (ns === undefined || c.ns === ns)) : [];
}

/** The text of a child path, e.g. `textAt(req, 'StreamSetup', 'Transport', 'Protocol')`. */
export function textAt(node: XmlNode | undefined, ...path: string[]): string | undefined {
  let at = node;
  for (const p of path) at = child(at, p);
  return at?.text;
}

export function attr(node: XmlNode | undefined, local: string, ns = ''): string | undefined {
  return node?.attrs.find((a) => a.local === local && a.ns === ns)?.value;
}
