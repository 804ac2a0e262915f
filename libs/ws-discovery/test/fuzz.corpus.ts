/**
 * Random and mutated datagrams for fuzz tests, from a seed so that a failure can be replayed.
 * Mutations are the ones that break parsers: bit flips, truncation, insertion, duplication of a
 * region (deep nesting), splicing two messages, random bytes.
 */

/** mulberry32: small, fast, good enough to drive mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  '<',
  '>',
  '</',
  '/>',
  '&',
  '&amp;',
  '&#x0;',
  '<![CDATA[',
  ']]>',
  '"',
  ':',
  'xmlns:a=""',
  '\u0000',
  '\uffff',
];

export function mutate(seed: Uint8Array, other: Uint8Array, rand: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = Buffer.from(seed);
  switch (int(8)) {
    case 0: {
      for (let i = 0, n = 1 + int(8); i < n; i++) {
        const at = int(bytes.length);
        bytes[at] = (bytes[at] as number) ^ (1 << int(8));
      }
      return bytes;
    }
    case 1:
      return bytes.subarray(0, int(bytes.length));
    case 2: {
      const at = int(bytes.length);
      const token = Buffer.from(TOKENS[int(TOKENS.length)] as string);
      return Buffer.concat([bytes.subarray(0, at), token, bytes.subarray(at)]);
    }
    case 3: {
      const from = int(bytes.length);
      const to = Math.min(bytes.length, from + int(200));
      const region = bytes.subarray(from, to);
      return Buffer.concat([
        bytes.subarray(0, to),
        ...Array<Buffer>(1 + int(40)).fill(region),
        bytes.subarray(to),
      ]);
    }
    case 4: {
      const cut = int(bytes.length);
      return Buffer.concat([bytes.subarray(0, cut), Buffer.from(other).subarray(int(other.length))]);
    }
    case 5: {
      const out = Buffer.alloc(1 + int(2048));
      for (let i = 0; i < out.length; i++) out[i] = int(256);
      return out;
    }
    case 6: {
      const at = int(bytes.length);
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + int(60)))]);
    }
    default: {
      // Replace a name inside a tag: wrong namespaces and elements.
      const text = bytes.toString('latin1');
      const names = [...text.matchAll(/<\/?([A-Za-z0-9_:-]+)/g)];
      const pick = names[int(names.length)];
      if (!pick || pick.index === undefined) return bytes;
      const start = pick.index + pick[0].length - (pick[1] as string).length;
      const replacement = ['Probe', 'd:Probe', 'Body', 'x:Envelope', 'Resolve', 'a:MessageID', 'Q'][
        int(7)
      ] as string;
      return Buffer.from(
        text.slice(0, start) + replacement + text.slice(start + (pick[1] as string).length),
        'latin1',
      );
    }
  }
}

/** `count` datagrams: each a mutation (sometimes two) of a seed, or plain random bytes. */
export function* fuzzDatagrams(seeds: Uint8Array[], count: number, seed = 1): Generator<Uint8Array> {
  const rand = prng(seed);
  for (let i = 0; i < count; i++) {
    const a = seeds[Math.floor(rand() * seeds.length)] as Uint8Array;
    const b = seeds[Math.floor(rand() * seeds.length)] as Uint8Array;
    let d = mutate(a, b, rand);
    if (rand() < 0.3) d = mutate(d, a, rand);
    yield d;
  }
}
