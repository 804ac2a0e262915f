import { randomUUID } from 'node:crypto';
import type { AppSequence } from '@desk-onvif/ws-discovery';

/**
 * MessageIDs and the AppSequence of every message this instance sends (WS-Discovery 2005/04 §7):
 * InstanceId is the start time in seconds, so it grows with every restart; MessageNumber counts up.
 */
export class MessageSequence {
  private number = 0;
  readonly instanceId: number;

  constructor(nowMs: number) {
    this.instanceId = Math.floor(nowMs / 1000) >>> 0;
  }

  next(): { messageId: string; appSequence: AppSequence } {
    this.number = this.number >= 0xffffffff ? 1 : this.number + 1;
    return {
      messageId: `urn:uuid:${randomUUID()}`,
      appSequence: { instanceId: this.instanceId, messageNumber: this.number },
    };
  }
}
