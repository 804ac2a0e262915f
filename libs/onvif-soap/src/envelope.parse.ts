import { SaxesParser, type SaxesTagNS } from 'saxes';
import { Ns } from './namespaces.js';
import { Faults, SoapFault } from './soap.fault.js';
import type { XmlAttr, XmlNode } from './xml.js';

export type SoapVersion = '1.1' | '1.2';

export interface SoapRequest {
  version: SoapVersion;
  header: XmlNode | undefined;
  /** The first element of the Body: the operation, e.g. {device}GetStreamUri. */
  operation: XmlNode;
}

/** Bodies longer than this are not kept for EnvelopeShapes: ONVIF requests fit in 2-3 KB. */
export const MAX_SHAPE_CHARS = 8 * 1024;

/** A leaf element of a request, and where its text lies in the body (up to its end tag's `<`). */
export interface ShapeLeaf {
  node: XmlNode;
  start: number;
  end: number;
}

/** A request read whole, with its body and its leaves: what EnvelopeShapes learns from. */
export interface ShapeSource {
  body: string;
  request: SoapRequest;
  leaves: readonly ShapeLeaf[];
}

/**
 * What a request may cost before anyone is authenticated, checked while it is read, so that a
 * hostile body is refused after a bounded amount of work, not after it has been parsed whole.
 * ONVIF requests stay far below each: the largest (CreateUsers, SetVideoEncoderConfiguration)
 * have tens of elements; WS-Security and WS-Addressing headers about a dozen.
 */
export interface ParseLimits {
  /** Deepest element nesting. */
  maxDepth: number;
  /** Elements in the whole document. */
  maxElements: number;
  /** Elements inside the SOAP Header. */
  maxHeaderElements: number;
  /** Characters from the start of the Header to its end. */
  maxHeaderChars: number;
  /** Attributes (namespace declarations included) on one element. */
  maxAttributes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxDepth: 64,
  maxElements: 1000,
  maxHeaderElements: 64,
  maxHeaderChars: 16 * 1024,
  maxAttributes: 32,
};

/**
 * Reads one SOAP envelope (1.1 or 1.2) as it arrives, chunk by chunk, into its header and
 * operation element, namespaces resolved. saxes checks well-formedness as XML 1.0 and Namespaces
 * in XML define it; it knows no entity beyond the five predefined ones and never reads a DTD. Every
 * problem is a SoapFault, thrown by the write() that revealed it: a DTD (SOAP 1.2 Part 1 §5: "MUST
 * NOT contain a Document Type Declaration"), a limit passed, XML that is not well-formed, a root
 * that is no Envelope, a Body without an operation.
 */
export class EnvelopeReader {
  private readonly parser = new SaxesParser({ xmlns: true });
  private readonly open: XmlNode[] = [];
  /** Where each open element's content starts (characters from the start of the body). */
  private readonly starts: number[] = [];
  /** The body as written, while it is short enough to become a shape (envelope.shapes.ts). */
  private kept: string | undefined = '';
  private leaves: ShapeLeaf[] = [];
  private shape: ShapeSource | undefined;
  private root: XmlNode | undefined;
  private version: SoapVersion | undefined;
  private header: XmlNode | undefined;
  private body: XmlNode | undefined;
  private elements = 0;
  private headerElements = 0;
  /** Where the Header started (characters), or -1 outside it. */
  private headerAt = -1;
  private text = '';
  private failure: SoapFault | undefined;
  /** end() returned a request: saxes has reinitialised itself (its close() does), reset() may follow. */
  private ended = false;
  /** Something was written since the reader was made or reset. */
  private written = false;

  constructor(private readonly limits: ParseLimits = DEFAULT_PARSE_LIMITS) {
    const p = this.parser;
    p.on('doctype', () => this.refuse(Faults.wellFormed('a SOAP message must not contain a DTD')));
    p.on('opentagstart', () => this.counted());
    p.on('opentag', (tag) => this.opened(tag));
    p.on('text', (t) => this.addText(t));
    p.on('cdata', (t) => this.addText(t));
    p.on('closetag', () => this.closed());
  }

  /**
   * Ready for the next request of the same connection, without building another parser (a
   * measurable share of a small request): after end() returned a request, or when nothing was
   * written since; a reader that refused one is never reused (false).
   */
  reset(): boolean {
    if (this.failure) return false;
    if (!this.written) return true; // nothing read since it was made or reset
    if (!this.ended) return false;
    this.written = false;
    this.ended = false;
    this.open.length = this.starts.length = 0;
    this.kept = '';
    this.leaves = [];
    this.shape = undefined;
    this.root = this.version = this.header = this.body = undefined;
    this.elements = this.headerElements = 0;
    this.headerAt = -1;
    this.text = '';
    return true;
  }

  /** Reads the next chunk; throws the SoapFault that refuses the request, as soon as it shows. */
  write(chunk: string): void {
    if (this.failure) throw this.failure;
    this.written = true;
    if (this.kept !== undefined)
      this.kept = this.kept.length + chunk.length > MAX_SHAPE_CHARS ? undefined : this.kept + chunk;
    try {
      this.parser.write(chunk);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** The request, once the whole body has been written. */
  end(): SoapRequest {
    if (this.failure) throw this.failure;
    if (!this.root && this.elements === 0 && this.text.trim() === '') {
      throw this.fail(Faults.wellFormed('empty request body: a SOAP envelope is required'));
    }
    try {
      this.parser.close();
    } catch (err) {
      throw this.fail(err);
    }
    if (!this.body) throw this.fail(Faults.wellFormed('the Envelope has no Body'));
    const operation = this.body.children[0];
    if (!operation) throw this.fail(Faults.wellFormed('the Body is empty: no operation'));
    this.ended = true;
    const request = { version: this.version!, header: this.header, operation };
    if (this.kept !== undefined) this.shape = { body: this.kept, request, leaves: this.leaves };
    return request;
  }

  /** The last request read whole, as EnvelopeShapes can learn it (unless it was too long). */
  shapeSource(): ShapeSource | undefined {
    return this.shape;
  }

  private fail(err: unknown): SoapFault {
    this.failure ??=
      err instanceof SoapFault ? err : Faults.wellFormed(`not well-formed XML: ${firstLine(err)}`);
    return this.failure;
  }

  private refuse(fault: SoapFault): never {
    throw this.fail(fault);
  }

  /** At the `<name` of a start tag, before its attributes are read. */
  private counted(): void {
    if (++this.elements > this.limits.maxElements) {
      this.refuse(Faults.wellFormed(`more than ${this.limits.maxElements} elements`));
    }
    if (this.open.length + 1 > this.limits.maxDepth) {
      this.refuse(Faults.wellFormed(`elements nested deeper than ${this.limits.maxDepth}`));
    }
    if (this.headerAt >= 0) {
      if (++this.headerElements > this.limits.maxHeaderElements) {
        this.refuse(
          Faults.wellFormed(`more than ${this.limits.maxHeaderElements} elements in the SOAP Header`),
        );
      }
      this.checkHeaderSize();
    }
  }

  private opened(tag: SaxesTagNS): void {
    const attrs: XmlAttr[] = [];
    let count = 0;
    for (const name in tag.attributes) {
      if (++count > this.limits.maxAttributes) {
        this.refuse(Faults.wellFormed(`more than ${this.limits.maxAttributes} attributes on one element`));
      }
      const a = tag.attributes[name]!;
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      // Namespaces in XML §6.2: an unprefixed attribute is in no namespace (saxes gives '').
      attrs.push({ ns: a.uri, local: a.local, value: a.value });
    }
    const node: XmlNode = { ns: tag.uri, local: tag.local, attrs, children: [], text: '' };
    const parent = this.open[this.open.length - 1];
    this.text = '';
    if (!parent) {
      this.root = node;
      if (node.local !== 'Envelope') this.refuse(Faults.wellFormed('the document is not a SOAP Envelope'));
      if (node.ns === Ns.soap12) this.version = '1.2';
      else if (node.ns === Ns.soap11) this.version = '1.1';
      else this.refuse(Faults.versionMismatch(`unknown envelope namespace "${node.ns}"`));
    } else {
      parent.children.push(node);
      if (parent === this.root && node.ns === this.root.ns) {
        if (node.local === 'Header' && !this.header && !this.body) {
          this.header = node;
          this.headerAt = this.parser.position;
        } else if (node.local === 'Body' && !this.body) this.body = node;
      }
    }
    this.open.push(node);
    // saxes' position is just past the start tag's `>`; a self-closing element has no content.
    this.starts.push(tag.isSelfClosing ? -1 : this.parser.position);
  }

  private addText(t: string): void {
    this.text += t;
    if (this.headerAt >= 0) this.checkHeaderSize();
  }

  private closed(): void {
    const node = this.open.pop();
    const start = this.starts.pop() ?? -1;
    if (!node) return;
    if (start >= 0 && node.children.length === 0 && this.kept !== undefined) this.leaf(node, start);
    // Text directly inside an element, trimmed; an element with children keeps what came last.
    node.text = this.text.trim();
    this.text = '';
    if (node === this.header) {
      this.checkHeaderSize();
      this.headerAt = -1;
    }
  }

  /**
   * A leaf's text, where it lies: up to its end tag, which ends where saxes is now. Text with a
   * comment, a processing instruction or CDATA in it is no leaf text (its first `<` is not the end
   * tag's); EnvelopeShapes decides which leaf texts can vary.
   */
  private leaf(node: XmlNode, start: number): void {
    const body = this.kept!;
    const end = body.indexOf('<', start);
    if (end < 0 || !body.startsWith('</', end) || body.lastIndexOf('<', this.parser.position - 1) !== end)
      return;
    this.leaves.push({ node, start, end });
  }

  private checkHeaderSize(): void {
    if (this.parser.position - this.headerAt > this.limits.maxHeaderChars) {
      this.refuse(Faults.wellFormed(`a SOAP Header longer than ${this.limits.maxHeaderChars} characters`));
    }
  }
}

/** A whole envelope at once: see EnvelopeReader. */
export function parseEnvelope(xml: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): SoapRequest {
  const reader = new EnvelopeReader(limits);
  reader.write(xml);
  return reader.end();
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 200);
}
