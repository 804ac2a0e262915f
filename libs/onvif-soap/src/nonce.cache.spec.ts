import { NonceCache } from './nonce.cache.js';

describe('NonceCache', () => {
  test('remembers a nonce up to and including its expiry, and at most one bucket longer', () => {
    const sut = new NonceCache(10, 6400); // buckets of 100 ms
    expect(sut.check('a', 1050, 0)).toBe('fresh');
    expect(sut.check('a', 1050, 999)).toBe('replayed');
    expect(sut.check('a', 1050, 1050)).toBe('replayed');
    expect(sut.check('a', 1100 + 6400, 1100)).toBe('fresh'); // its bucket ended at 1100
    expect(sut.check('a', 1100 + 6400, 7500)).toBe('replayed');
  });

  test('does not record what has already expired', () => {
    const sut = new NonceCache(10, 1000);
    expect(sut.check('a', 5, 10)).toBe('fresh');
    expect(sut.size).toBe(0);
  });

  test('at its bound it refuses new nonces and forgets none that is still live', () => {
    const sut = new NonceCache(100, 64_000);
    // Expiries spread over the whole horizon, so that every bucket holds some.
    for (let i = 0; i < 100; i++) expect(sut.check(`n${i}`, 1000 * (i + 1), 0)).toBe('fresh');
    for (let t = 0; t < 100_000; t += 250) {
      const live = Array.from({ length: 100 }, (_, i) => i).filter((i) => 1000 * (i + 1) >= t);
      for (const i of live) expect(sut.check(`n${i}`, 1000 * (i + 1), t)).toBe('replayed');
      // Room only once something has expired and its bucket has ended.
      const verdict = sut.check(`new${t}`, t + 64_000, t);
      if (verdict === 'full') expect(sut.size).toBe(100);
      else expect(sut.size).toBeLessThanOrEqual(100);
      if (live.length === 100) expect(verdict).toBe('full');
    }
    expect(sut.refusedFull).toBeGreaterThan(0);
  });

  test('expired nonces go in time under sustained load: never full below the bound', () => {
    // 1,000 nonces a second, each live for 10 s: at most ~10,000 (+ one bucket) are live at once.
    const sut = new NonceCache(11_000, 10_000);
    for (let now = 0; now < 200_000; now++) {
      expect(sut.check(`k${now}`, now + 10_000, now)).toBe('fresh');
    }
    expect(sut.size).toBeLessThanOrEqual(11_000);
    expect(sut.refusedFull).toBe(0);
  });

  test('a nonce seen again after it was forgotten is kept for its new life', () => {
    const sut = new NonceCache(10, 6400);
    expect(sut.check('a', 150, 0)).toBe('fresh');
    expect(sut.check('a', 6000, 200)).toBe('fresh'); // forgotten at 200; new life to 6000
    expect(sut.check('x', 6400, 300)).toBe('fresh');
    expect(sut.check('a', 6000, 5999)).toBe('replayed');
  });

  test('a long pause sweeps everything held', () => {
    const sut = new NonceCache(10, 1000);
    for (let i = 0; i < 10; i++) sut.check(`k${i}`, 500 + i, 0);
    expect(sut.check('late', 1e9 + 500, 1e9)).toBe('fresh');
    expect(sut.size).toBe(1);
  });
});
