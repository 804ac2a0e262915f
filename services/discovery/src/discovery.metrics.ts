import { Counter, Gauge, type Registry } from 'prom-client';

export type DropReason =
  | 'oversized'
  | 'not_allowed'
  | 'rate_limited'
  | 'malformed'
  | 'not_a_request'
  | 'duplicate'
  | 'unsupported_match_rule'
  | 'queue_full';

/** Sizes read at scrape time: every buffer and table is bounded, and this shows how full. */
export interface DiscoveryGauges {
  announced: () => number;
  pendingReplies: () => number;
  trackedSources: () => number;
  rememberedMessageIds: () => number;
}

/** The discovery service's own metrics. */
export class DiscoveryMetrics {
  readonly datagrams: Counter;
  readonly received: Counter<'kind'>;
  readonly answered: Counter<'kind'>;
  readonly dropped: Counter<'reason' | 'detail'>;
  readonly matchesSent: Counter<'kind'>;
  readonly announcements: Counter<'type'>;
  readonly sendErrors: Counter;
  readonly replyBytes: Counter;
  readonly repliesPaced: Counter<'kind'>;
  readonly repliesOverBudget: Counter<'kind'>;
  readonly invalidRecords: Counter;

  constructor(registry: Registry, gauges: DiscoveryGauges) {
    const registers = [registry];
    this.datagrams = new Counter({
      name: 'desk_onvif_discovery_datagrams_received_total',
      help: 'UDP datagrams received on the WS-Discovery port',
      registers,
    });
    this.received = new Counter({
      name: 'desk_onvif_discovery_probes_received_total',
      help: 'Valid Probes and Resolves received from allowed probers, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.answered = new Counter({
      name: 'desk_onvif_discovery_probes_answered_total',
      help: 'Probes and Resolves answered with at least one match, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.dropped = new Counter({
      name: 'desk_onvif_discovery_probes_dropped_total',
      help: 'Datagrams dropped without a reply, by reason (detail: why a malformed one was refused)',
      labelNames: ['reason', 'detail'],
      registers,
    });
    this.matchesSent = new Counter({
      name: 'desk_onvif_discovery_matches_sent_total',
      help: 'ProbeMatches and ResolveMatches sent, one per camera, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.announcements = new Counter({
      name: 'desk_onvif_discovery_announcements_total',
      help: 'Hello and Bye messages multicast, by type (one per camera and interface)',
      labelNames: ['type'],
      registers,
    });
    this.sendErrors = new Counter({
      name: 'desk_onvif_discovery_send_errors_total',
      help: 'Datagrams the socket failed to send',
      registers,
    });
    this.replyBytes = new Counter({
      name: 'desk_onvif_discovery_reply_bytes_total',
      help: 'Bytes of ProbeMatches and ResolveMatches sent',
      registers,
    });
    this.repliesPaced = new Counter({
      name: 'desk_onvif_discovery_replies_paced_total',
      help: "Replies deferred because their source's reply-bytes budget was spent (REPLY_BYTES_PER_S)",
      labelNames: ['kind'],
      registers,
    });
    this.repliesOverBudget = new Counter({
      name: 'desk_onvif_discovery_replies_over_budget_total',
      help: "Replies not sent: their source's reply-bytes budget would have deferred them past REPLY_MAX_DEFER_MS",
      labelNames: ['kind'],
      registers,
    });
    this.invalidRecords = new Counter({
      name: 'desk_onvif_discovery_invalid_records_total',
      help: 'KV camera records that failed their schema and were treated as absent',
      registers,
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('desk_onvif_discovery_cameras_announced', 'Cameras online and discoverable', gauges.announced);
    gauge(
      'desk_onvif_discovery_pending_replies',
      'Replies waiting for their random delay',
      gauges.pendingReplies,
    );
    gauge(
      'desk_onvif_discovery_tracked_sources',
      'Source addresses in the rate limiter',
      gauges.trackedSources,
    );
    gauge(
      'desk_onvif_discovery_remembered_message_ids',
      'MessageIDs remembered against repeats',
      gauges.rememberedMessageIds,
    );
  }
}
