import { DATAGRAM_CASES, fixtureBytes } from '../test/fixtures.js';
import { fuzzDatagrams } from '../test/fuzz.corpus.js';
import { parseDatagram } from './message.parse.js';

/** The seeds are the table's datagrams; whatever comes in, parsing returns a result and never throws. */
describe('parseDatagram under fuzzing', () => {
  it('survives 20,000 mutated and random datagrams', () => {
    const seeds = DATAGRAM_CASES.map((c) => fixtureBytes(c.file));
    const outcomes = new Map<string, number>();
    for (const datagram of fuzzDatagrams(seeds, 20_000, 4242)) {
      const result = parseDatagram(datagram);
      const key = result.ok ? result.message.kind : result.reason;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (result.ok) {
        expect(result.message.messageId.length).toBeGreaterThan(0);
        if (result.message.kind === 'probe') expect(result.message.scopes.length).toBeLessThanOrEqual(32);
      }
    }
    // The mutations reach deep into the parser: both drops and surviving messages occur.
    expect(outcomes.get('not-xml')).toBeGreaterThan(1000);
    expect(outcomes.get('probe')).toBeGreaterThan(100);
  });
});
