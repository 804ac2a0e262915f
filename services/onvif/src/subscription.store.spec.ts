import { SoapFault, type EventMessage } from '@desk-onvif/onvif-soap';
import { messageSeq, SubscriptionStore, type Subscription } from './subscription.store.js';

const LIMITS = { perCamera: 2, total: 3, queue: 3, maxPullMs: 60_000, maxTerminationMs: 3_600_000 };
const msg = (value: string, topic: EventMessage['topic'] = 'VideoSource/MotionAlarm'): EventMessage => ({
  topic,
  utc: new Date(0),
  operation: 'Changed',
  source: [],
  data: [{ name: 'State', value }],
});
const ALL = { topics: [], contents: [] };

describe('SubscriptionStore', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  test('bounded per camera and in total, with a SubscribeCreationFailedFault', () => {
    const sut = new SubscriptionStore(LIMITS, clock);
    const later = new Date(now + 60_000);
    sut.create('a', 'pull', ALL, later);
    sut.create('a', 'pull', ALL, later);
    expect(() => sut.create('a', 'pull', ALL, later)).toThrow(SoapFault);
    sut.create('b', 'pull', ALL, later);
    expect(() => sut.create('c', 'pull', ALL, later)).toThrow(/holds 3 subscriptions/);
  });

  test('camera events handed to the client are not queued again; what it is handed moves deliveredSeq', async () => {
    const delivered: Subscription[] = [];
    const sut = new SubscriptionStore(LIMITS, clock, { delivered: (sub) => delivered.push(sub) });
    const seq = (m: EventMessage, n: number) => (messageSeq.set(m, n), m);
    // Restored with its client's last event at 10: 9 and 10 are skipped, 11 and the unsequenced
    // (an Initialized message) are queued.
    const sub = sut.create('a', 'pull', ALL, new Date(now + 60_000), { restored: true, deliveredSeq: 10 });
    const [m9, m10, m11, init] = [seq(msg('true'), 9), seq(msg('false'), 10), seq(msg('true'), 11), msg('x')];
    sut.offer(sub, [m9, m10, m11, init]);
    expect(sub.queue).toEqual([m11, init]);
    expect(delivered).toEqual([]);
    expect(await sut.pull(sub, 1000, 10)).toEqual([m11, init]);
    expect([sub.deliveredSeq, delivered]).toEqual([11, [sub]]);
    // Taking only unsequenced messages does not move it.
    sut.offer(sub, [msg('y')]);
    await sut.pull(sub, 1000, 10);
    expect([sub.deliveredSeq, delivered.length]).toEqual([11, 1]);
    // A new subscription without a stream: -1, nothing skipped.
    expect(sut.create('b', 'pull', ALL, new Date(now + 60_000)).deliveredSeq).toBe(-1);
  });

  test('a queued message answers at once; a held pull is answered by the next message', async () => {
    const sut = new SubscriptionStore(LIMITS, clock);
    const sub = sut.create('a', 'pull', ALL, new Date(now + 60_000));
    sut.publish('a', [msg('true')]);
    expect(await sut.pull(sub, 1000, 10)).toEqual([msg('true')]);
    const held = sut.pull(sub, 30_000, 10);
    sut.publish('a', [msg('false')]);
    expect(await held).toEqual([msg('false')]);
  });

  test('the filter applies; the queue keeps the newest messages only', async () => {
    const sut = new SubscriptionStore(LIMITS, clock);
    const sub = sut.create(
      'a',
      'pull',
      { topics: ['tns1:VideoSource/MotionAlarm'], contents: [] },
      new Date(now + 60_000),
    );
    sut.publish('a', [msg('x', 'VideoSource/SignalLoss')]);
    sut.publish(
      'a',
      ['1', '2', '3', '4', '5'].map((v) => msg(v)),
    );
    expect((await sut.pull(sub, 0, 10)).map((m) => m.data[0]?.value)).toEqual(['3', '4', '5']);
    expect(sub.dropped).toBe(2);
  });

  test('a second pull answers the first empty; a pull keeps the subscription alive for its timeout', async () => {
    const sut = new SubscriptionStore(LIMITS, clock);
    const sub = sut.create('a', 'pull', ALL, new Date(now + 10_000));
    const first = sut.pull(sub, 30_000, 10);
    const second = sut.pull(sub, 30_000, 10);
    expect(await first).toEqual([]);
    expect(sub.terminationMs).toBe(now + 30_000);
    sut.remove(sub);
    expect(await second).toEqual([]);
  });

  test('past its termination a subscription is gone and costs nothing', () => {
    const sut = new SubscriptionStore(LIMITS, clock);
    const sub = sut.create('a', 'pull', ALL, new Date(now + 10_000));
    sut.publish('a', [msg('true')]);
    now += 10_001;
    expect(sut.get('a', sub.id)).toBeUndefined();
    const other = sut.create('b', 'pull', ALL, new Date(now + 10_000));
    now += 20_000;
    expect(sut.sweep()).toBe(1);
    expect(sut.size).toBe(0);
    expect(other.queue).toEqual([]);
  });

  test('a termination beyond the maximum is cut to it; another camera cannot reach a subscription', () => {
    const sut = new SubscriptionStore(LIMITS, clock);
    const sub = sut.create('a', 'pull', ALL, new Date(now + 10 * 3_600_000));
    expect(sub.terminationMs).toBe(now + 3_600_000);
    expect(sut.get('b', sub.id)).toBeUndefined();
  });
});
