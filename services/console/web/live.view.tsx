import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Session } from './api.js';
import type { Camera } from './fleet.store.js';

/** What the console hands out for one WebRTC view (services/console/src/live.view.ts). */
interface LiveViewGrant {
  whepUrl: string;
  token: string;
  expiresInS: number;
  stream: 'main' | 'sub';
}

/** How long a WebRTC view may take to show its first frame before the page falls back. */
const FIRST_FRAME_MS = 12_000;
/** Non-trickle WHEP: the offer goes out with the candidates gathered by then. */
const GATHER_MS = 2000;

/**
 * The camera page's live view: WebRTC from MediaMTX's WHEP endpoint when the console has a WebRTC
 * server and the browser negotiates; otherwise (or when that fails) the snapshot refresh. It says
 * which is in use, and why not WebRTC.
 */
export function LiveView({ camera, session }: { camera: Camera; session: Session }) {
  const [fallback, setFallback] = useState<string | undefined>(
    session.whep ? undefined : 'no WebRTC server configured',
  );
  // A new camera, or the camera back online: WebRTC is tried again.
  useEffect(
    () => setFallback(session.whep ? undefined : 'no WebRTC server configured'),
    [camera.id, camera.online, session.whep],
  );
  if (!camera.online) return <div class="live-view none">offline</div>;
  const webrtc = fallback === undefined && typeof RTCPeerConnection === 'function';
  return (
    <figure class="live">
      {webrtc ? <WhepView camera={camera} onFail={setFallback} /> : <SnapshotView camera={camera} />}
      <figcaption data-live-mode={webrtc ? 'webrtc' : 'snapshots'}>
        {webrtc
          ? 'Live: WebRTC (WHEP)'
          : `Live: snapshots, about 2-3 a second (${fallback ?? 'this browser has no WebRTC'})`}
      </figcaption>
    </figure>
  );
}

/** Standard WHEP (RFC 9725): POST the SDP offer, the answer in the 201, DELETE the session after. */
function WhepView({ camera, onFail }: { camera: Camera; onFail: (why: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    let done = false;
    let session: string | undefined;
    const pc = new RTCPeerConnection();
    const fail = (why: string) => {
      if (done) return;
      done = true;
      pc.close();
      onFail(`WebRTC failed: ${why}`);
    };
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (e) => {
      if (video.current) video.current.srcObject = e.streams[0] ?? new MediaStream([e.track]);
    };
    pc.onconnectionstatechange = () => {
      setState(pc.connectionState);
      if (pc.connectionState === 'failed')
        fail('the connection failed (ICE: is MediaMTX’s UDP port reachable?)');
    };
    const firstFrame = setTimeout(() => fail(`no picture within ${FIRST_FRAME_MS / 1000} s`), FIRST_FRAME_MS);
    const shown = () => clearTimeout(firstFrame);
    video.current?.addEventListener('loadeddata', shown, { once: true });
    const negotiate = async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, GATHER_MS);
      const grant = await api<LiveViewGrant>('POST', `/api/cameras/${camera.id}/live-view?stream=main`);
      const res = await fetch(grant.whepUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${grant.token}` },
        body: pc.localDescription?.sdp ?? '',
      });
      if (res.status !== 201) throw new Error(`the WHEP server answered ${res.status}`);
      const location = res.headers.get('Location');
      if (location) session = new URL(location, grant.whepUrl).href;
      if (done) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    };
    negotiate().catch((err: unknown) =>
      fail(
        err instanceof ApiError
          ? `${err.code}: ${err.message}`
          : err instanceof Error
            ? err.message
            : String(err),
      ),
    );
    // The session ends on the server too (its URL is its only credential): when the view goes,
    // and when the page is left or reloaded (no effect cleanup runs then).
    const end = () => {
      if (session) void fetch(session, { method: 'DELETE', keepalive: true }).catch(() => undefined);
      session = undefined;
    };
    addEventListener('pagehide', end);
    return () => {
      done = true;
      clearTimeout(firstFrame);
      removeEventListener('pagehide', end);
      pc.close();
      end();
    };
  }, [camera.id]);
  return (
    <video
      class="live-view"
      data-live-view-webrtc
      data-webrtc-state={state}
      ref={video}
      autoplay
      muted
      playsInline
    />
  );
}

/** Resolves when ICE gathering completes, or after `ms` with what was gathered by then. */
function gathered(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Live view by fast snapshots: the next image is asked for as soon as the last one arrived. */
function SnapshotView({ camera }: { camera: Camera }) {
  const [src, setSrc] = useState('');
  useEffect(() => {
    let stopped = false;
    let current = '';
    const next = async () => {
      while (!stopped) {
        const started = Date.now();
        try {
          const res = await fetch(`/api/cameras/${camera.id}/snapshot.jpg?stream=main&fresh=1`);
          if (res.ok) {
            const url = URL.createObjectURL(await res.blob());
            if (current) URL.revokeObjectURL(current);
            current = url;
            if (!stopped) setSrc(url);
          }
        } catch {
          // the next round tries again
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 400 - (Date.now() - started))));
      }
    };
    void next();
    return () => {
      stopped = true;
      if (current) URL.revokeObjectURL(current);
    };
  }, [camera.id]);
  return src ? (
    <img class="live-view" data-live-view alt="live view" src={src} />
  ) : (
    <div class="live-view none">…</div>
  );
}
