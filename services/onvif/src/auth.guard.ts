import { Logger } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AuthThrottle, type ThrottleCheck, type ThrottlePolicy } from './auth.throttle.js';
import type { ClusterBus } from './onvif.cluster.js';

type ThrottleEvent = { kind: 'failed' | 'succeeded'; source: string; user: string | undefined };

/**
 * Where a password was tried: SOAP (WS-Security or Digest), the snapshot URL, the media hook (RTSP
 * read and publish; a console view token over WebRTC).
 */
export type AuthChannel = 'soap' | 'snapshot' | 'rtsp-read' | 'rtsp-publish' | 'webrtc-view';

/**
 * The edge of AuthThrottle: addresses normalised, metrics, one log line per lockout (never a
 * password), and the delay to hold a failed answer back. The service has one, shared by every
 * channel: a guess over RTSP counts like one over SOAP.
 */
export class AuthGuard {
  private readonly logger = new Logger('auth-throttle');
  private readonly throttle: AuthThrottle;
  private readonly throttled: Counter<'channel' | 'scope'>;
  private readonly delayed: Counter<'channel'>;
  private readonly lockouts: Counter<'scope'>;

  /**
   * `peers`: with ONVIF_WORKERS > 1, every failure and every success that changes something is
   * applied by every worker (onvif.cluster.ts), so that an address's or a user's count is one
   * whichever worker served the guess; the worker that saw it counts and logs it.
   */
  constructor(
    policy: ThrottlePolicy,
    registry: Registry,
    now: () => number = Date.now,
    private readonly peers?: ClusterBus,
  ) {
    const throttle = new AuthThrottle(policy, now);
    this.throttle = throttle;
    peers?.subscribe((e) => {
      const event = e as ThrottleEvent;
      if (event.kind === 'failed') throttle.failed(event.source, event.user);
      else if (event.kind === 'succeeded' && event.user !== undefined)
        throttle.succeeded(event.source, event.user);
    });
    const registers = [registry];
    this.throttled = new Counter({
      name: 'desk_onvif_auth_throttled_total',
      help: 'Logins refused without looking at the password: the address or the user is locked out',
      labelNames: ['channel', 'scope'],
      registers,
    });
    this.delayed = new Counter({
      name: 'desk_onvif_auth_delayed_total',
      help: 'Wrong passwords answered late (growing delays before a lockout)',
      labelNames: ['channel'],
      registers,
    });
    this.lockouts = new Counter({
      name: 'desk_onvif_auth_lockouts_total',
      help: 'Lockouts started, of an address or of a user (camera and username)',
      labelNames: ['scope'],
      registers,
    });
    new Gauge({
      name: 'desk_onvif_auth_locked_out',
      help: 'Addresses and users locked out now',
      labelNames: ['scope'],
      registers,
      // Every worker holds the whole table: summing the workers would count each lockout N times.
      aggregator: 'max',
      collect() {
        const n = throttle.lockedOut();
        this.set({ scope: 'source' }, n.source);
        this.set({ scope: 'user' }, n.user);
      },
    });
  }

  /** Whether the password may be looked at; a locked request is counted here. */
  check(channel: AuthChannel, source: string, cameraId: string, username: string | undefined): ThrottleCheck {
    const result = this.throttle.check(address(source), userOf(cameraId, username));
    if (result.locked) this.throttled.inc({ channel, scope: result.scope });
    return result;
  }

  /** A wrong password (or user): how long to hold the answer back. */
  failed(channel: AuthChannel, source: string, cameraId: string, username: string | undefined): number {
    const outcome = this.throttle.failed(address(source), userOf(cameraId, username));
    this.peers?.publish({ kind: 'failed', source: address(source), user: userOf(cameraId, username) });
    if (outcome.delayMs > 0) this.delayed.inc({ channel });
    if (outcome.lockedOut) {
      this.lockouts.inc({ scope: outcome.lockedOut.scope });
      this.logger.warn({
        msg: 'locked out after repeated wrong passwords',
        scope: outcome.lockedOut.scope,
        channel,
        source: address(source),
        cameraId,
        username,
        forS: Math.round(outcome.lockedOut.forMs / 1000),
      });
    }
    return outcome.delayMs;
  }

  succeeded(source: string, cameraId: string, username: string): void {
    const user = userOf(cameraId, username)!;
    if (this.throttle.succeeded(address(source), user))
      this.peers?.publish({ kind: 'succeeded', source: address(source), user });
  }
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one address. */
function address(source: string): string {
  return source.startsWith('::ffff:') ? source.slice(7) : source;
}

function userOf(cameraId: string, username: string | undefined): string | undefined {
  return username === undefined ? undefined : `${cameraId}/${username}`;
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** Refusals that are password guesses (a clock skew or a replayed nonce is not one). */
export const GUESSES: ReadonlySet<string> = new Set(['bad-password', 'unknown-user']);
