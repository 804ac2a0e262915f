import { ProgressParser } from './progress.parser.js';

/** A block as ffmpeg 5.1 wrote it while publishing two RTSP outputs and a JPEG pipe. */
const ffmpeg51Block = `frame=34
fps=13.99
stream_0_0_q=0.0
stream_1_0_q=0.0
stream_2_0_q=5.0
bitrate=N/A
total_size=N/A
out_time_us=2200011
out_time_ms=2200011
out_time=00:00:02.200011
dup_frames=0
drop_frames=0
speed=0.906x
progress=continue
`;

describe('ProgressParser', () => {
  it('reads a block written by ffmpeg 5.1 publishing RTSP', () => {
    const sut = new ProgressParser();
    expect(sut.push(ffmpeg51Block)).toEqual([
      { frame: 34, fps: 13.99, bitrateKbps: 0, totalSize: undefined, outTimeUs: 2200011, end: false },
    ]);
  });

  it('joins blocks split across chunks at any byte', () => {
    const text = ffmpeg51Block + ffmpeg51Block.replace('frame=34', 'frame=49').replace('continue', 'end');
    for (let cut = 1; cut < text.length; cut += 7) {
      const sut = new ProgressParser();
      const reports = [...sut.push(text.slice(0, cut)), ...sut.push(text.slice(cut))];
      expect(reports.map((r) => [r.frame, r.end])).toEqual([
        [34, false],
        [49, true],
      ]);
    }
  });

  it('reads a known bitrate and ignores garbage lines', () => {
    const sut = new ProgressParser();
    expect(sut.push('junk\n=x\nframe=3\nbitrate= 812.4kbits/s\nprogress=continue\n')[0]).toMatchObject({
      frame: 3,
      bitrateKbps: 812.4,
    });
  });
});
