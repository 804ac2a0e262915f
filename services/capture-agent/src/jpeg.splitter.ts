/**
 * Cuts a stream of concatenated JPEGs (ffmpeg's image2pipe + mjpeg) into images: each starts with
 * SOI (FF D8) and ends with EOI (FF D9). Inside the entropy-coded data a 0xFF byte is always
 * followed by 0x00 or a restart marker (ITU T.81, B.1.1.5), so FF D9 only ever ends an image.
 */
export class JpegSplitter {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    let data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.size);
    const images: Buffer[] = [];
    for (;;) {
      const start = data.indexOf(SOI);
      if (start < 0) {
        data = data.subarray(Math.max(0, data.length - 1)); // keep a lone FF that may start SOI
        break;
      }
      const end = data.indexOf(EOI, start + 2);
      if (end < 0) {
        data = data.subarray(start);
        break;
      }
      images.push(Buffer.from(data.subarray(start, end + 2)));
      data = data.subarray(end + 2);
    }
    // An image larger than any real snapshot means the stream is not what we think: start over.
    if (data.length > this.maxBytes) data = Buffer.alloc(0);
    this.chunks = data.length ? [data] : [];
    this.size = data.length;
    return images;
  }
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);
