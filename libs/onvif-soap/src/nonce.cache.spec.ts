import { NonceCache } from './nonce.cache.js';

describe('NonceCache', () => {
  test('remembers a nonce up to and including its expiry, and at most one second longer', () => {
    const sut = new NonceCache(10, 64_000);
    expect(sut.check('a', 10_500, 0)).toBe('fresh');
    expect(sut.check('a', 10_500, 9_999)).toBe('replayed');
    expect(sut.check('a', 10_500, 10_500)).toBe('replayed');
    expect(sut.check('a', 10_500, 11_000)).toBe('replayed'); // within the second it is rounded up to
    expect(sut.check('a', 11_001 + 64_000, 11_001)).toBe('fresh'); // forgotten; a new life
    expect(sut.check('a', 11_001 + 64_000, 75_000)).toBe('replayed');
    expect(sut.check('b', 11_001 + 64_000, 75_000)).toBe('fresh');
  });

  test('does not record what has already expired', () => {
    const sut = new NonceCache(10, 1000);
    expect(sut.check('a', 5, 10)).toBe('fresh');
    expect(sut.size).toBe(0);
    expect(sut.check('a', 5, 10)).toBe('fresh');
  });

  test('at its bound it refuses new nonces, forgets none that is still live, and frees the expired', () => {
    const sut = new NonceCache(100, 64_000);
    const accepted = new Map<string, number>(); // key → expiry
    // Expiries spread over the whole horizon.
    for (let i = 0; i < 100; i++) {
      expect(sut.check(`n${i}`, 1000 * (i + 1), 0)).toBe('fresh');
      accepted.set(`n${i}`, 1000 * (i + 1));
    }
    let fresh = 0;
    for (let t = 0; t < 200_000; t += 250) {
      const live = [...accepted].filter(([, expiry]) => expiry >= t);
      const forgotten = live.filter(([key, expiry]) => sut.check(key, expiry, t) !== 'replayed');
      expect(forgotten).toEqual([]);
      const verdict = sut.check(`new${t}`, t + 64_000, t);
      expect(sut.size).toBeLessThanOrEqual(100);
      if (live.length === 100) expect(verdict).toBe('full');
      if (verdict === 'full') {
        // Refused only while live nonces (give or take the second expiries are rounded to, and a
        // pause of 1/64 of the horizon after a drop that freed little) fill at least 15/16 of it.
        const nearlyLive = [...accepted.values()].filter((expiry) => expiry >= t - 2000).length;
        expect(nearlyLive).toBeGreaterThanOrEqual(94);
      } else {
        expect(verdict).toBe('fresh');
        accepted.set(`new${t}`, t + 64_000);
        fresh++;
      }
    }
    expect(sut.refusedFull).toBeGreaterThan(0);
    // Room came back as nonces expired: about one new nonce a second over 200 s.
    expect(fresh).toBeGreaterThan(100);
  });

  test('under sustained load expired nonces make room and no live one is forgotten', () => {
    // 1,000 nonces a second, each live for 10 s: ~10,000 live at once (+ the second rounded up).
    const sut = new NonceCache(12_000, 20_000);
    // Counted, then asserted once: 600,000 expect() calls would take a minute.
    const wrong = { fresh: 0, replayed: 0, expired: 0 };
    for (let now = 0; now < 200_000; now++) {
      if (sut.check(`k${now}`, now + 10_000, now) !== 'fresh') wrong.fresh++;
      if (now >= 9_000 && sut.check(`k${now - 9_000}`, now + 1_000, now) !== 'replayed') wrong.replayed++;
      // Expired long ago: not held any more, and not recorded again.
      if (now >= 12_000 && sut.check(`k${now - 12_000}`, now - 2_000, now) !== 'fresh') wrong.expired++;
    }
    expect(wrong).toEqual({ fresh: 0, replayed: 0, expired: 0 });
    expect(sut.size).toBeLessThanOrEqual(12_000);
    expect(sut.refusedFull).toBe(0);
  });

  test('a nonce seen again after it was forgotten is kept for its new life', () => {
    const sut = new NonceCache(10, 64_000);
    expect(sut.check('a', 1500, 0)).toBe('fresh');
    expect(sut.check('a', 60_000, 2001)).toBe('fresh'); // forgotten at 2001; new life to 60 s
    expect(sut.check('x', 64_000, 3000)).toBe('fresh');
    expect(sut.check('a', 60_000, 59_999)).toBe('replayed');
    expect(sut.check('a', 60_000, 61_001)).toBe('fresh');
  });

  test('after a long pause a full cache takes new nonces: the expired ones are dropped', () => {
    const sut = new NonceCache(10, 1000);
    for (let i = 0; i < 10; i++) expect(sut.check(`k${i}`, 500 + i, 0)).toBe('fresh');
    expect(sut.check('one-too-many', 900, 0)).toBe('full');
    for (let i = 0; i < 10; i++) expect(sut.check(`late${i}`, 1e9 + 500, 1e9)).toBe('fresh');
    expect(sut.size).toBe(10);
    expect(sut.check('late0', 1e9 + 500, 1e9 + 1)).toBe('replayed');
    expect(sut.refusedFull).toBe(1);
  });
});
