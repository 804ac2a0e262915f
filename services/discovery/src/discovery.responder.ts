import type { BlockList } from 'node:net';
import {
  buildProbeMatches,
  buildResolveMatches,
  isSupportedRule,
  parseDatagram,
  scopesMatch,
  typesMatch,
  ONVIF_DEVICE_TYPES,
  type DiscoveryMessage,
} from '@desk-onvif/ws-discovery';
import type { AnnouncedCamera, CameraDirectory } from './camera.directory.js';
import type { DiscoveryMetrics, DropReason } from './discovery.metrics.js';
import type { MessageDedup } from './message.dedup.js';
import type { MessageSequence } from './message.sequence.js';
import { addressFacing, type ListenAddress } from './network.interfaces.js';
import type { RateLimiter } from './rate.limiter.js';
import type { ReplyBudget } from './reply.budget.js';
import type { ReplyScheduler } from './reply.scheduler.js';
import { targetOf } from './target.view.js';

/** Collaborator: sends one unicast datagram. */
export interface UnicastSender {
  send(payload: Buffer, port: number, address: string): Promise<void>;
}

export interface ResponderSettings {
  maxDatagramBytes: number;
  replyMaxDelayMs: number;
  publicHost: string | undefined;
}

export interface ResponderDeps {
  settings: ResponderSettings;
  directory: CameraDirectory;
  listening: ListenAddress[];
  allowed: BlockList;
  limiter: RateLimiter;
  budget: ReplyBudget;
  dedup: MessageDedup;
  scheduler: ReplyScheduler;
  sequence: MessageSequence;
  socket: UnicastSender;
  metrics: DiscoveryMetrics;
  now: () => number;
  random: () => number;
}

type Request = Extract<DiscoveryMessage, { kind: 'probe' | 'resolve' }>;

/**
 * Answers Probes and Resolves. The checks run cheapest first, so a flood costs little: size,
 * allowed network, per-source rate, then parsing, repeats, matching. Anything refused is dropped
 * silently with a metric, never answered: WS-Discovery is a favourite DDoS reflector.
 */
export class DiscoveryResponder {
  constructor(private readonly deps: ResponderDeps) {}

  handle(datagram: Buffer, source: { address: string; port: number }): void {
    const { settings, metrics } = this.deps;
    metrics.datagrams.inc();
    if (datagram.byteLength > settings.maxDatagramBytes) return this.drop('oversized');
    if (source.port === 0 || !this.deps.allowed.check(source.address, 'ipv4'))
      return this.drop('not_allowed');
    if (!this.deps.limiter.take(source.address, this.deps.now())) return this.drop('rate_limited');

    const parsed = parseDatagram(datagram, settings.maxDatagramBytes);
    if (!parsed.ok) return this.drop('malformed', parsed.reason);
    const message = parsed.message;
    if (message.kind !== 'probe' && message.kind !== 'resolve')
      return this.drop('not_a_request', message.kind);
    metrics.received.inc({ kind: message.kind });
    if (!this.deps.dedup.firstTime(message.messageId, this.deps.now())) return this.drop('duplicate');
    if (message.kind === 'probe' && !isSupportedRule(message.matchBy))
      return this.drop('unsupported_match_rule');

    const matches = this.matches(message);
    if (matches.length === 0) return;
    const host = settings.publicHost ?? addressFacing(source.address, this.deps.listening).address;
    const jobs = matches.map((camera) => ({
      delayMs: Math.floor(this.deps.random() * settings.replyMaxDelayMs),
      run: () => this.reply(message, camera.id, host, source),
    }));
    if (!this.deps.scheduler.scheduleAll(jobs)) return this.drop('queue_full');
    metrics.answered.inc({ kind: message.kind });
  }

  private matches(message: Request): AnnouncedCamera[] {
    const { directory } = this.deps;
    if (message.kind === 'resolve') {
      const camera = directory.byAddress(message.endpoint);
      return camera ? [camera] : [];
    }
    if (!typesMatch(message.types, ONVIF_DEVICE_TYPES)) return [];
    return [...directory.all()].filter((c) => scopesMatch(message.scopes, c.scopes, message.matchBy));
  }

  /** Built when sent, not when scheduled: the camera may have gone meanwhile, and MessageNumbers stay in order. */
  private reply(
    request: Request,
    cameraId: string,
    host: string,
    to: { address: string; port: number },
  ): void {
    const camera = this.deps.directory.byAddress(`urn:uuid:${cameraId}`);
    if (!camera) return;
    const args = {
      ...this.deps.sequence.next(),
      soap: request.soap,
      relatesTo: request.messageId,
      target: targetOf(camera, host),
    };
    const payload = Buffer.from(
      request.kind === 'probe' ? buildProbeMatches(args) : buildResolveMatches(args),
    );
    const kind = request.kind;
    const { metrics } = this.deps;
    const send = () =>
      this.deps.socket.send(payload, to.port, to.address).then(
        () => {
          metrics.matchesSent.inc({ kind });
          metrics.replyBytes.inc(payload.byteLength);
        },
        () => metrics.sendErrors.inc(),
      );
    // The reply-bytes budget of the source (the amplification bound): now, paced, or not at all.
    const delayMs = this.deps.budget.reserve(to.address, payload.byteLength, this.deps.now());
    if (delayMs === undefined) metrics.repliesOverBudget.inc({ kind });
    else if (delayMs === 0) void send();
    else if (this.deps.scheduler.scheduleAll([{ delayMs, run: () => void send() }]))
      metrics.repliesPaced.inc({ kind });
    else metrics.repliesOverBudget.inc({ kind });
  }

  private drop(reason: DropReason, detail = ''): void {
    this.deps.metrics.dropped.inc({ reason, detail });
  }
}
