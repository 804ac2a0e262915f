import { JpegSplitter } from './jpeg.splitter.js';

const jpeg = (body: number[]) => Buffer.from([0xff, 0xd8, ...body, 0xff, 0xd9]);

describe('JpegSplitter', () => {
  it('splits concatenated images, whatever the chunking', () => {
    const a = jpeg([0xff, 0xe0, 1, 2, 0xff, 0x00, 3]);
    const b = jpeg([4, 5, 6]);
    const stream = Buffer.concat([a, b, a]);
    for (let cut = 1; cut < stream.length; cut++) {
      const sut = new JpegSplitter();
      const images = [...sut.push(stream.subarray(0, cut)), ...sut.push(stream.subarray(cut))];
      expect(images).toEqual([a, b, a]);
    }
  });

  it('skips bytes before a start marker', () => {
    const sut = new JpegSplitter();
    expect(sut.push(Buffer.concat([Buffer.from([1, 2, 3]), jpeg([9])]))).toEqual([jpeg([9])]);
  });

  it('drops an image that grows past the limit', () => {
    const sut = new JpegSplitter(8);
    expect(sut.push(Buffer.from([0xff, 0xd8, 1, 2, 3, 4, 5, 6, 7, 8]))).toEqual([]);
    expect(sut.push(jpeg([1]))).toEqual([jpeg([1])]);
  });
});
