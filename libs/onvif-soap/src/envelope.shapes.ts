import { LRUCache } from 'lru-cache';
import { MAX_SHAPE_CHARS, type ShapeSource, type SoapRequest } from './envelope.parse.js';
import type { XmlNode } from './xml.js';

/**
 * Envelopes read before, by their markup. NVRs repeat the same requests, and from one GetStreamUri
 * of a client to the next only the text of a few leaf elements changes: the UsernameToken's
 * Username, Password, Nonce and Created, a WS-Addressing MessageID, a ProfileToken. A shape is an
 * envelope that parsed and was answered, cut at the text of its leaf elements ("holes"): the text
 * between the holes (all the markup: tags, attributes, namespace declarations, whitespace between
 * elements) must come again character for character, and each hole may hold only plain character
 * data — printable ASCII, tab or line feed, without `<`, `>`, `&` or a carriage return. Such a body
 * is well-formed exactly as its model was, every prefix is bound to the same namespace, every
 * element and attribute is the same, and its text needs no decoding or line-end normalisation: its
 * parse is the model's tree with the holes' text put in, which `match` builds without the parser.
 * Anything else (a new operation, another prefix, an entity, a comment, an extra space in a tag)
 * finds no shape and is read by EnvelopeReader, limits and all; checking costs at most one pass
 * over a body of at most MAX_SHAPE_CHARS, before anything else is done with it.
 */

/** Shapes are looked up by the body's first characters (the envelope's start, rarely a hole). */
const KEY_CHARS = 64;

/** What a hole may hold: printable ASCII, tab and line feed, without `<`, `>` and `&`. */
const HOLE_TEXT = /^[\t\n\x20-\x25\x27-\x3b\x3d\x3f-\x7e]*$/;

interface Shape {
  /** The body's text around the holes: holes + 1 pieces. */
  pieces: string[];
  request: SoapRequest;
  /** The model's nodes whose text a hole holds, and which hole (document order). */
  holes: Map<XmlNode, number>;
}

export interface ShapeCounts {
  hits: number;
  misses: number;
  learned: number;
}

export class EnvelopeShapes {
  /** Shapes by the first KEY_CHARS of their body; the most recently used first in each list. */
  private readonly byStart: LRUCache<string, Shape[]>;
  readonly counts: ShapeCounts = { hits: 0, misses: 0, learned: 0 };

  /**
   * `maxStarts` distinct envelope starts (clients × SOAP versions, in practice), `perStart` shapes
   * under each (operations a client sends with the same envelope start): at most 512 shapes of at
   * most 8 KB by default, whatever clients send (any answered request is learnt, PRE_AUTH ones too).
   */
  constructor(
    maxStarts = 64,
    private readonly perStart = 8,
  ) {
    this.byStart = new LRUCache({ max: maxStarts });
  }

  /** Shapes kept, all envelope starts together. */
  get size(): number {
    let n = 0;
    this.byStart.forEach((shapes) => (n += shapes.length));
    return n;
  }

  /** The request a body would parse to, if it has the shape of one read before; else undefined. */
  match(body: string): SoapRequest | undefined {
    if (body.length > MAX_SHAPE_CHARS || body.length < KEY_CHARS) return undefined;
    const shapes = this.byStart.get(body.slice(0, KEY_CHARS));
    if (shapes) {
      for (let i = 0; i < shapes.length; i++) {
        const texts = holesOf(shapes[i]!, body);
        if (!texts) continue;
        if (i > 0) shapes.unshift(...shapes.splice(i, 1));
        this.counts.hits++;
        return build(shapes[0]!, texts);
      }
    }
    this.counts.misses++;
    return undefined;
  }

  /**
   * Keeps the shape of an envelope that was parsed and answered. Envelopes with a character outside
   * ASCII are not kept (the parser's positions are then no string indexes), nor long ones.
   */
  learn(source: ShapeSource): void {
    const { body, leaves } = source;
    if (body.length > MAX_SHAPE_CHARS || body.length < KEY_CHARS || /[^\x20-\x7e\t\n\r]/.test(body)) return;
    const pieces: string[] = [];
    const holes = new Map<XmlNode, number>();
    let at = 0;
    for (const leaf of leaves) {
      if (leaf.start < at || leaf.start < KEY_CHARS) return;
      if (!HOLE_TEXT.test(body.slice(leaf.start, leaf.end))) continue; // stays part of the markup
      pieces.push(body.slice(at, leaf.start));
      holes.set(leaf.node, holes.size);
      at = leaf.end;
    }
    pieces.push(body.slice(at));
    const key = body.slice(0, KEY_CHARS);
    const shapes = this.byStart.get(key) ?? [];
    if (shapes.some((s) => samePieces(s.pieces, pieces))) return;
    shapes.unshift({ pieces, request: source.request, holes });
    if (shapes.length > this.perStart) shapes.pop();
    this.byStart.set(key, shapes);
    this.counts.learned++;
  }
}

/** The holes' text if `body` has the shape, else undefined: one pass, no allocation but the texts. */
function holesOf(shape: Shape, body: string): string[] | undefined {
  const { pieces } = shape;
  if (!body.startsWith(pieces[0]!)) return undefined;
  let at = pieces[0]!.length;
  const texts: string[] = [];
  for (let i = 1; i < pieces.length; i++) {
    // A hole holds no `<`: the first one after it starts the next piece (its end tag).
    const end = body.indexOf('<', at);
    if (end < 0 || !body.startsWith(pieces[i]!, end)) return undefined;
    const text = body.slice(at, end);
    if (!HOLE_TEXT.test(text)) return undefined;
    texts.push(text);
    at = end + pieces[i]!.length;
  }
  return at === body.length ? texts : undefined;
}

/** The model's tree, copied, with the holes' text (trimmed, as EnvelopeReader keeps text). */
function build(shape: Shape, texts: string[]): SoapRequest {
  const { holes } = shape;
  const copy = (n: XmlNode): XmlNode => {
    const hole = holes.get(n);
    return {
      ns: n.ns,
      local: n.local,
      attrs: n.attrs.map((a) => ({ ns: a.ns, local: a.local, value: a.value })),
      children: n.children.map(copy),
      text: hole === undefined ? n.text : texts[hole]!.trim(),
    };
  };
  const { request } = shape;
  return {
    version: request.version,
    header: request.header && copy(request.header),
    operation: copy(request.operation),
  };
}

function samePieces(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
