import { pairByTime } from './av-sync.js';

describe('pairByTime', () => {
  it('pairs each flash with the nearest click within the window, each click once', () => {
    // Events 2 s apart; the click of the third was missed by the reader, the fourth came 40 ms early.
    const flashes = [10.0, 12.0, 14.0, 16.0, 18.0];
    const clicks = [10.03, 12.01, 15.96, 17.99];
    expect(pairByTime(flashes, clicks, 0.5)).toEqual([
      [10.0, 10.03],
      [12.0, 12.01],
      [16.0, 15.96],
      [18.0, 17.99],
    ]);
  });

  it('never pairs by position: a missing flash leaves its click unpaired rather than shifting the rest', () => {
    expect(pairByTime([10.0, 14.0], [10.02, 12.02, 14.03], 0.5)).toEqual([
      [10.0, 10.02],
      [14.0, 14.03],
    ]);
    expect(pairByTime([10.0], [10.6], 0.5)).toEqual([]);
  });
});
