import { avReaderArgs, onsetsOf, parseAvMetadata } from './av-reader.js';

describe('the A/V reader', () => {
  it('parses what ffmpeg 5.1’s metadata filters print, both tracks interleaved, a record cut mid-way', () => {
    const text = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.signalstats.YAVG=235.028',
      'frame:1    pts:240     pts_time:0.005',
      'lavfi.astats.Overall.Peak_level=-inf',
      'frame:2    pts:480     pts_time:0.01',
      'lavfi.astats.Overall.Peak_level=-17.878976',
      'frame:1    pts:3000    pts_time:0.0333333',
      'lavfi.signal',
    ].join('\n');
    const { samples, rest } = parseAvMetadata(text, 7);
    expect(samples).toEqual([
      { kind: 'video', pts: 0, value: 235.028, at: 7 },
      { kind: 'audio', pts: 0.005, value: -Infinity, at: 7 },
      { kind: 'audio', pts: 0.01, value: -17.878976, at: 7 },
    ]);
    expect(rest).toBe('frame:1    pts:3000    pts_time:0.0333333\nlavfi.signal');
    // The next chunk completes the record.
    expect(parseAvMetadata(rest + 'stats.YAVG=66\n').samples).toEqual([
      { kind: 'video', pts: 0.0333333, value: 66, at: 0 },
    ]);
  });

  it('keeps a header whose value has not come yet: a record split between chunks is not lost', () => {
    const header = 'frame:7    pts:23333   pts_time:0.233333\n';
    const first = parseAvMetadata('frame:6 pts:20000 pts_time:0.2\nlavfi.signalstats.YAVG=60\n' + header);
    expect(first.samples).toEqual([{ kind: 'video', pts: 0.2, value: 60, at: 0 }]);
    expect(first.rest).toBe(header);
    expect(parseAvMetadata(first.rest + 'lavfi.signalstats.YAVG=235\n').samples).toEqual([
      { kind: 'video', pts: 0.233333, value: 235, at: 0 },
    ]);
    // Every way of cutting a stream of records into two chunks gives every record once.
    const stream = Array.from({ length: 4 }, (_, i) =>
      i % 2
        ? `frame:${i} pts:${i * 240} pts_time:${i * 0.005}\nlavfi.astats.Overall.Peak_level=-${i}.5\n`
        : `frame:${i} pts:${i * 3000} pts_time:${i / 30}\nlavfi.signalstats.YAVG=${i}\n`,
    ).join('');
    for (let cut = 0; cut <= stream.length; cut++) {
      const a = parseAvMetadata(stream.slice(0, cut));
      const b = parseAvMetadata(a.rest + stream.slice(cut));
      expect([...a.samples, ...b.samples].map((s) => `${s.kind}@${s.pts}=${s.value}`)).toEqual([
        'video@0=0',
        'audio@0.005=-1.5',
        'video@0.06666666666666667=2',
        'audio@0.015=-3.5',
      ]);
      expect(b.rest).toBe('');
    }
  });

  it('finds onsets: rises through the threshold from below, at least minGap apart', () => {
    const s = (pts: number, value: number) => ({ pts, value });
    const series = [s(0, 200), s(1, 50), s(1.1, 200), s(1.15, 60), s(1.2, 210), s(2, 40), s(2.5, 190)];
    // The first sample is already high: no onset (nothing rose); 1.2 is within 0.3 s of 1.1.
    expect(onsetsOf(series, 150)).toEqual([1.1, 2.5]);
    expect(onsetsOf(series, 150, 0)).toEqual([1.1, 1.2, 2.5]);
  });

  it('reads both tracks of the session through one graph, over the transport asked', () => {
    const args = avReaderArgs('rtsp://h/p', 'udp');
    expect(args.join(' ')).toContain('-rtsp_transport udp');
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(/^\[0:v:0\].*signalstats.*\[v\];\[0:a:0\].*astats.*\[a\]$/);
  });
});
