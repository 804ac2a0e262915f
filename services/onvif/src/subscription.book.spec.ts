import type { KV, KvWatchEntry } from '@nats-io/kv';
import { Registry } from 'prom-client';
import { EventMetrics } from './event.metrics.js';
import { NotifySender } from './notify.sender.js';
import { SubscriptionBook, type SubscriptionRecord } from './subscription.book.js';
import { SubscriptionStore } from './subscription.store.js';

// The watch side only (no KV call is made): the real bucket is services/onvif/test/events.test.ts.
const LIMITS = { perCamera: 2, total: 3, queue: 3, maxPullMs: 60_000, maxTerminationMs: 3_600_000 };
const CAMERA = '0b6c1a52-5f6e-5a3e-9a53-2d3c3f1b8e11';

describe('SubscriptionBook (the watch of KV event-subscriptions)', () => {
  const now = 1_000_000;
  const clock = () => now;
  let store: SubscriptionStore;
  let sut: SubscriptionBook;
  const posted: string[] = [];
  beforeEach(() => {
    store = new SubscriptionStore(LIMITS, clock, { pending: (sub) => notify.pending(sub) });
    const notify = new NotifySender(
      () => store,
      new EventMetrics(new Registry(), () => ({ pull: 0, push: 0 })),
      (url, body) => {
        posted.push(`${url} ${body}`);
        return Promise.resolve(202);
      },
    );
    sut = new SubscriptionBook({} as KV, store, notify, 2, clock);
  });

  const record = (id: string, over: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
    id,
    cameraId: CAMERA,
    kind: 'pull',
    filter: { topics: ['tns1:VideoSource/MotionAlarm'], contents: [] },
    terminationMs: now + 60_000,
    ...over,
  });
  const put = (
    r: SubscriptionRecord | string,
    key = typeof r === 'string' ? `${CAMERA}.x` : `${r.cameraId}.${r.id}`,
  ) =>
    ({
      key,
      operation: 'PUT',
      value: new TextEncoder().encode(typeof r === 'string' ? r : JSON.stringify(r)),
    }) as unknown as KvWatchEntry;
  const del = (id: string) => ({ key: `${CAMERA}.${id}`, operation: 'DEL' }) as unknown as KvWatchEntry;

  test("a record becomes a subscription on its camera's first event: same id, termination, filter", () => {
    sut.apply(put(record('kept-1')));
    expect(store.get(CAMERA, 'kept-1')).toBeUndefined();
    sut.claim(CAMERA);
    const sub = store.get(CAMERA, 'kept-1');
    expect(sub).toMatchObject({ id: 'kept-1', kind: 'pull', terminationMs: now + 60_000 });
    expect(sub?.filter.topics).toEqual(['tns1:VideoSource/MotionAlarm']);
    expect(
      sub?.matches({
        topic: 'VideoSource/SignalLoss',
        utc: new Date(0),
        operation: 'Changed',
        source: [],
        data: [],
      }),
    ).toBe(false);
  });

  test('expired, deleted and invalid records are not restored; waiting ones are bounded', () => {
    sut.apply(put(record('old', { terminationMs: now - 1 })));
    sut.apply(put(record('deleted')));
    sut.apply(del('deleted'));
    sut.apply(put('{"id": "no camera"}'));
    expect(sut.invalidEntries).toBe(1);
    sut.apply(put(record('a')));
    sut.apply(put(record('b')));
    sut.apply(put(record('c'))); // over the bound of 2 waiting: found later through KV itself
    sut.claim(CAMERA);
    expect([...store.all()].map((s) => s.id).sort()).toEqual(['a', 'b']);
  });

  test('a Base Notification record is delivered to its consumer with its own address again', async () => {
    sut.apply(
      put(
        record('push-1', {
          kind: 'push',
          consumer: 'http://127.0.0.1:9/notify',
          address: 'http://h:8090/onvif/subscription/push-1',
        }),
      ),
    );
    sut.claim(CAMERA);
    store.publish(CAMERA, [
      {
        topic: 'VideoSource/MotionAlarm',
        utc: new Date(0),
        operation: 'Changed',
        source: [],
        data: [{ name: 'State', value: 'true' }],
      },
    ]);
    await new Promise((r) => setImmediate(r));
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatch(/^http:\/\/127\.0\.0\.1:9\/notify /);
    expect(posted[0]).toContain('<wsa:Address>http://h:8090/onvif/subscription/push-1</wsa:Address>');
  });

  test('a deletion seen in the watch (unsubscribed elsewhere) removes the live subscription', () => {
    sut.apply(put(record('live')));
    sut.claim(CAMERA);
    expect(store.get(CAMERA, 'live')).toBeDefined();
    sut.apply(del('live'));
    expect(store.get(CAMERA, 'live')).toBeUndefined();
  });
});
