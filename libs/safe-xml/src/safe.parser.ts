import { XMLParser } from 'fast-xml-parser';

/**
 * fast-xml-parser for messages from the network: entity processing off (no DTD entity, no
 * external entity, no expansion: XXE and billion laughs cannot happen), values kept as strings,
 * `preserveOrder` for one uniform node shape to resolve namespaces on, and nesting bounded.
 * Callers still refuse a DOCTYPE and bound the size before parsing.
 */
export function createSafeXmlParser(maxNestedTags: number): XMLParser {
  return new XMLParser({
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
    // No path strings for callbacks nobody uses (a measurable share of each parse).
    jPath: false,
    maxNestedTags,
  });
}
