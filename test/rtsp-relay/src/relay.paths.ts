import type { SdpMedia } from './sdp.js';
import { trackOf } from './track.info.js';

/** One publisher of a path: its RTSP session and the media it announced. */
export interface PathPublisher {
  sessionId: string;
  medias: SdpMedia[];
  close(): void;
}

/** One reader of a path: receives RTP/RTCP of the media it set up. */
export interface PathReader {
  sessionId: string;
  send(media: number, rtcp: boolean, payload: Buffer): number;
  close(): void;
}

interface PathState {
  name: string;
  confName: string;
  publisher: PathPublisher;
  readers: Set<PathReader>;
  since: Date;
  inboundBytes: number;
  outboundBytes: number;
}

/**
 * The relay's paths, as MediaMTX keeps them: a path exists while it has a publisher, a new
 * publisher replaces the old one (`overridePublisher: true`), and when the publisher leaves its
 * readers are closed. Names are checked against the configured path entries (`~regex` or exact).
 */
export class PathRegistry {
  private readonly paths = new Map<string, PathState>();
  private readonly matchers: { confName: string; test: (p: string) => boolean }[];

  constructor(confNames: string[]) {
    this.matchers = confNames.map((confName) => {
      if (confName === 'all_others' || confName === 'all') return { confName, test: () => true };
      if (confName.startsWith('~')) {
        const re = new RegExp(confName.slice(1));
        return { confName, test: (p: string) => re.test(p) };
      }
      return { confName, test: (p: string) => p === confName };
    });
  }

  /** The configured entry a path name falls under, or undefined (MediaMTX: "not configured"). */
  confNameOf(path: string): string | undefined {
    return this.matchers.find((m) => m.test(path))?.confName;
  }

  publisherOf(path: string): PathPublisher | undefined {
    return this.paths.get(path)?.publisher;
  }

  publish(path: string, publisher: PathPublisher): void {
    const confName = this.confNameOf(path);
    if (confName === undefined) throw new Error(`path '${path}' is not configured`);
    const old = this.paths.get(path);
    if (old) this.close(old);
    this.paths.set(path, {
      name: path,
      confName,
      publisher,
      readers: new Set(),
      since: new Date(),
      inboundBytes: 0,
      outboundBytes: 0,
    });
  }

  unpublish(path: string, publisher: PathPublisher): void {
    const state = this.paths.get(path);
    if (state?.publisher === publisher) this.close(state);
  }

  addReader(path: string, reader: PathReader): boolean {
    const state = this.paths.get(path);
    if (!state) return false;
    state.readers.add(reader);
    return true;
  }

  removeReader(path: string, reader: PathReader): void {
    this.paths.get(path)?.readers.delete(reader);
  }

  /** Relays one RTP or RTCP packet of `media` from the path's current publisher to its readers. */
  forward(path: string, from: PathPublisher, media: number, rtcp: boolean, payload: Buffer): void {
    const state = this.paths.get(path);
    if (state?.publisher !== from) return;
    state.inboundBytes += payload.length;
    for (const reader of state.readers) state.outboundBytes += reader.send(media, rtcp, payload);
  }

  private close(state: PathState): void {
    this.paths.delete(state.name);
    for (const reader of state.readers) reader.close();
    state.readers.clear();
    state.publisher.close();
  }

  closeAll(): void {
    for (const state of [...this.paths.values()]) this.close(state);
  }

  /** Path items shaped as openapi.yaml's `Path`. */
  items(): Record<string, unknown>[] {
    return [...this.paths.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => {
        const since = s.since.toISOString();
        const tracks2 = s.publisher.medias.map(trackOf);
        return {
          name: s.name,
          confName: s.confName,
          source: { type: 'rtspSession', id: s.publisher.sessionId },
          available: true,
          availableTime: since,
          online: true,
          onlineTime: since,
          ready: true,
          readyTime: since,
          tracks: tracks2.map((t) => t.codec),
          tracks2,
          inboundBytes: s.inboundBytes,
          inboundFramesInError: 0,
          outboundBytes: s.outboundBytes,
          bytesReceived: s.inboundBytes,
          bytesSent: s.outboundBytes,
          readers: [...s.readers].map((r) => ({ type: 'rtspSession', id: r.sessionId })),
        };
      });
  }
}
