import { ActivityDetector, type ActivitySettings } from './activity.detector.js';

const SETTINGS: ActivitySettings = {
  width: 16,
  height: 8,
  cellsX: 4,
  cellsY: 2,
  pixelThreshold: 16,
  cellShare: 0.25,
  minCells: 1,
  holdMs: 1000,
};
const frame = (fill: number, patch?: { x: number; y: number; w: number; h: number; value: number }) => {
  const f = Buffer.alloc(16 * 8, fill);
  if (patch)
    for (let y = patch.y; y < patch.y + patch.h; y++)
      for (let x = patch.x; x < patch.x + patch.w; x++) f[y * 16 + x] = patch.value;
  return f;
};

describe('ActivityDetector', () => {
  test('a still picture is no activity; noise below the threshold neither', () => {
    const sut = new ActivityDetector(SETTINGS);
    expect(sut.push(frame(100), 0)).toEqual([]);
    expect(sut.push(frame(100), 100)).toEqual([]);
    expect(sut.push(frame(110), 200)).toEqual([]);
  });

  test('a change starts it; it stays through the hold time and ends after it', () => {
    const sut = new ActivityDetector(SETTINGS);
    sut.push(frame(100), 0);
    expect(sut.push(frame(200), 100)).toEqual(['started']);
    expect(sut.push(frame(200), 600)).toEqual([]);
    // Typing: small changes within the hold keep it on.
    expect(sut.push(frame(200, { x: 0, y: 0, w: 2, h: 2, value: 0 }), 900)).toEqual([]);
    expect(sut.push(frame(200, { x: 0, y: 0, w: 2, h: 2, value: 0 }), 1800)).toEqual([]);
    expect(sut.push(frame(200, { x: 0, y: 0, w: 2, h: 2, value: 0 }), 1900)).toEqual(['stopped']);
  });

  test('a change smaller than a quarter of a cell is not counted', () => {
    const sut = new ActivityDetector(SETTINGS);
    sut.push(frame(100), 0);
    // A cell is 4x4 = 16 pixels: 3 changed pixels are below the quarter.
    expect(sut.push(frame(100, { x: 0, y: 0, w: 3, h: 1, value: 255 }), 100)).toEqual([]);
    expect(sut.push(frame(100), 200)).toEqual([]);
    expect(sut.push(frame(100, { x: 0, y: 0, w: 4, h: 1, value: 255 }), 300)).toEqual(['started']);
  });

  test('frames split across pipe chunks are put back together', () => {
    const sut = new ActivityDetector(SETTINGS);
    const bytes = Buffer.concat([frame(0), frame(255)]);
    expect(sut.push(bytes.subarray(0, 50), 0)).toEqual([]);
    expect(sut.push(bytes.subarray(50, 200), 10)).toEqual([]); // the second frame is not whole yet
    expect(sut.push(bytes.subarray(200), 20)).toEqual(['started']);
  });

  test('the hold ends on the timer when frames stop; a new capture starts afresh', () => {
    const sut = new ActivityDetector(SETTINGS);
    sut.push(frame(0), 0);
    sut.push(frame(255), 10);
    expect(sut.holdLeftMs(500)).toBe(510);
    expect(sut.tick(500)).toBeUndefined();
    // A change within the hold moves its end: the agent's timer is set again for what is left.
    sut.push(frame(0), 600);
    expect(sut.holdLeftMs(1010)).toBe(590);
    expect(sut.tick(1010)).toBeUndefined();
    expect(sut.holdLeftMs(1600)).toBe(0);
    expect(sut.tick(1600)).toBe('stopped');
    expect(sut.holdLeftMs(1700)).toBe(0); // inactive
    sut.push(frame(255), 1700);
    expect(sut.isActive).toBe(true);
    expect(sut.reset()).toBe('stopped');
    expect(sut.push(frame(0), 1800)).toEqual([]); // nothing to compare with
  });
  test('rgb24: a change of colour at equal brightness counts (crimson to violet), a still colour does not', () => {
    const sut = new ActivityDetector({ ...SETTINGS, channels: 3 });
    const rgb = (r: number, g: number, b: number) => {
      const f = Buffer.alloc(16 * 8 * 3);
      for (let p = 0; p < 16 * 8; p++) f.set([r, g, b], p * 3);
      return f;
    };
    // #c8283c and #7830c8: luma 90 and 87, three levels apart; a grey copy would see nothing.
    expect(sut.push(rgb(200, 40, 60), 0)).toEqual([]);
    expect(sut.push(rgb(200, 40, 60), 100)).toEqual([]);
    expect(sut.push(rgb(120, 48, 200), 200)).toEqual(['started']);
    // Frames split across pipe chunks are put back together.
    const still = rgb(120, 48, 200);
    expect(sut.push(still.subarray(0, 100), 300)).toEqual([]);
    expect(sut.push(still.subarray(100), 1300)).toEqual(['stopped']);
  });
});
