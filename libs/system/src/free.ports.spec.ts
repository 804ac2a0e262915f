import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { FREE_PORT_RANGE, freePort } from './free.ports.js';

const listen = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => srv.close(() => done()))));
  });

describe('freePort', () => {
  it('gives ports outside the kernel’s ephemeral range that a server can listen on', async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(FREE_PORT_RANGE.from);
      expect(port).toBeLessThanOrEqual(FREE_PORT_RANGE.to);
      expect(port).toBeLessThan(low!);
      await (
        await listen(port)
      )();
    }
  });

  it('passes over a port that is taken', async () => {
    const taken: (() => Promise<void>)[] = [];
    try {
      // 800 of the range's 10,000 held (8 %): over 50 draws an unchecked pick would land on one.
      const held = new Set<number>();
      for (let p = FREE_PORT_RANGE.from; p < FREE_PORT_RANGE.from + 800; p++) {
        try {
          taken.push(await listen(p));
          held.add(p);
        } catch {
          // already someone's
        }
      }
      for (let i = 0; i < 50; i++) expect(held.has(await freePort())).toBe(false);
    } finally {
      await Promise.all(taken.map((close) => close()));
    }
  });
});
