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

/** `esc` for the response builders; `unescapeXml` because the parser leaves entities alone. */
export { escapeXml as esc, unescapeXml } from '@desk-onvif/safe-xml';

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
