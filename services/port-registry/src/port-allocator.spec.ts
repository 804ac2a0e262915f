import { inRange, preferredPort, probeOrder, rangeSize } from './port-allocator.js';

const range = { start: 8090, end: 8110 };

describe('port allocator', () => {
  it('prefers a port within the range, the same for the same key', () => {
    for (let i = 0; i < 500; i++) {
      const p = preferredPort(`shared/host-${i}`, range);
      expect(inRange(p, range)).toBe(true);
      expect(preferredPort(`shared/host-${i}`, range)).toBe(p);
    }
  });

  it('spreads keys over the whole range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(preferredPort(`user/h/${i}`, range));
    expect(seen.size).toBe(rangeSize(range));
  });

  it('probes linearly from the preferred port, wrapping once, every port exactly once', () => {
    const order = [...probeOrder(8108, range)];
    expect(order.slice(0, 5)).toEqual([8108, 8109, 8110, 8090, 8091]);
    expect(order).toHaveLength(21);
    expect(new Set(order).size).toBe(21);
  });

  it('a one-port range has one candidate', () => {
    expect([...probeOrder(9000, { start: 9000, end: 9000 })]).toEqual([9000]);
  });

  it('a start outside the range is clamped into it', () => {
    expect([...probeOrder(1, range)][0]).toBe(8090);
    expect([...probeOrder(99999, range)][0]).toBe(8110);
  });
});
