/**
 * The little of SDP (RFC 8866) the relay needs: the media sections of a publisher's ANNOUNCE, each
 * with its control URL, codec and fmtp, and the description served to readers.
 */

export interface SdpMedia {
  /** The `m=` line. */
  mLine: string;
  type: string;
  /** Attribute and other lines of the section, without `a=control`. */
  lines: string[];
  /** The `a=control` value (RFC 2326 C.1.1), or undefined. */
  control: string | undefined;
  /** Encoding name of the first payload type, upper case (`H264`, `MPEG4-GENERIC`…). */
  encoding: string | undefined;
  /** The fmtp parameters of the first payload type, keys in lower case. */
  fmtp: Map<string, string>;
}

export class SdpError extends Error {
  readonly code = 'SDP_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SdpError';
  }
}

export function parseSdp(text: string): SdpMedia[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') throw new SdpError('not an SDP description (no v=0)');
  const medias: SdpMedia[] = [];
  let current: SdpMedia | undefined;
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) throw new SdpError(`bad SDP line ${JSON.stringify(line.slice(0, 80))}`);
    if (line.startsWith('m=')) {
      const [type = '', , , pt] = line.slice(2).split(' ');
      current = { mLine: line, type, lines: [], control: undefined, encoding: undefined, fmtp: new Map() };
      current.fmtp.set('#pt', pt ?? '');
      medias.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith('a=control:')) {
      current.control = line.slice('a=control:'.length).trim();
      continue;
    }
    current.lines.push(line);
    const pt = current.fmtp.get('#pt');
    const rtpmap = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
    if (rtpmap && rtpmap[1] === pt) current.encoding = rtpmap[2]!.toUpperCase();
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp && fmtp[1] === pt)
      for (const param of fmtp[2]!.split(';')) {
        const eq = param.indexOf('=');
        if (eq > 0) current.fmtp.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim());
      }
  }
  if (medias.length === 0) throw new SdpError('SDP has no media');
  for (const m of medias) m.fmtp.delete('#pt');
  return medias;
}

/**
 * Which media a SETUP URL addresses (RFC 2326 C.1.1): the one whose control, relative to the
 * ANNOUNCE URL or absolute, is the SETUP URL; a description with one media and no control is that.
 */
export function mediaIndexOf(medias: SdpMedia[], setupUrl: string, baseUrl: string): number {
  const strip = (u: string) => u.replace(/^rtsps?:\/\/[^/]+/i, '').replace(/\/+$/, '');
  const target = strip(setupUrl);
  for (const [i, m] of medias.entries()) {
    if (m.control === undefined || m.control === '*') continue;
    const resolved = /^rtsps?:\/\//i.test(m.control)
      ? strip(m.control)
      : `${strip(baseUrl)}/${m.control.replace(/^\/+/, '')}`;
    if (resolved === target) return i;
  }
  if (medias.length === 1 && strip(setupUrl) === strip(baseUrl)) return 0;
  return -1;
}

/**
 * The description served on DESCRIBE, as MediaMTX serves it: a fresh session part, the
 * publisher's media sections, each with an absolute control URL `<content base>/trackID=<n>`.
 */
export function readerSdp(medias: SdpMedia[], contentBase: string): string {
  const base = contentBase.replace(/\/+$/, '');
  const out = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=Stream', 'c=IN IP4 0.0.0.0', 't=0 0'];
  for (const [i, m] of medias.entries()) {
    out.push(m.mLine, `a=control:${base}/trackID=${i}`);
    out.push(...m.lines.filter((l) => !/^a=(sendonly|recvonly|sendrecv|inactive)$/.test(l)));
  }
  return `${out.join('\r\n')}\r\n`;
}
