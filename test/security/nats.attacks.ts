import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AnyCameraRequests,
  Buckets,
  Enrolment,
  Onvif,
  Registry,
  cameraRequests,
  cameraSubjects,
  userKey,
  type Identity,
} from '@desk-onvif/contracts';

/**
 * The NATS attacks of issue 9, made with one camera's credential (the attacker's PC) against
 * another camera (the victim). Each resolves to `refused` (nats-server's permission violation, or
 * a stable error code) or `succeeded` with what happened. Shared by the medium test (all refused,
 * nothing changed) and `make bench-security` (the counts).
 */
export interface AttackTarget {
  attacker: NatsConnection;
  attackerId: string;
  victimId: string;
  victimIdentity: Identity;
}

export interface AttackResult {
  name: string;
  refused: boolean;
  detail: string;
}

type Attack = [name: string, run: (t: AttackTarget) => Promise<string>];

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** Resolves with the refusal (a thrown permission violation or error reply), or rejects if it went through. */
async function request(nc: NatsConnection, subject: string, payload: unknown): Promise<string> {
  try {
    const reply = await nc.request(subject, enc(payload), { timeout: 3000 });
    const body = reply.json<{ ok?: boolean; error?: { code: string } }>();
    if (body.ok === false && body.error) return `error reply ${body.error.code}`;
    throw new Succeeded(`answered: ${reply.string().slice(0, 120)}`);
  } catch (err) {
    if (err instanceof Succeeded) throw err;
    const text = String(err);
    if (/Permissions Violation/i.test(text)) return text;
    throw new Succeeded(`not refused by a permission check: ${text}`);
  }
}

/** A subscription is refused when nats-server closes it with a permission violation. */
async function subscribe(nc: NatsConnection, subject: string, queue?: string): Promise<string> {
  const sub = nc.subscribe(subject, queue ? { queue } : {});
  const closed = await Promise.race([sub.closed, new Promise((r) => setTimeout(() => r('open'), 3000))]);
  if (closed instanceof Error && /Permissions Violation/i.test(String(closed))) return String(closed);
  sub.unsubscribe();
  throw new Succeeded(`subscription to ${subject} stayed open`);
}

/** A plain publish is refused when nats-server answers -ERR for it (reported on the status stream). */
async function publish(nc: NatsConnection, subject: string, payload: unknown): Promise<string> {
  const seen = new Promise<string>((resolve) => {
    void (async () => {
      for await (const s of nc.status())
        if (s.type === 'error' && String(s.error).includes(subject)) return resolve(String(s.error));
    })();
  });
  nc.publish(subject, enc(payload));
  await nc.flush();
  const result = await Promise.race([seen, new Promise<string>((r) => setTimeout(() => r(''), 3000))]);
  if (!result) throw new Succeeded(`publish to ${subject} was not refused`);
  return result;
}

async function kvAttempt(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (/Permissions Violation/i.test(String(err))) return String(err);
    throw new Succeeded(`not refused by a permission check: ${String(err)}`);
  }
  throw new Succeeded('the KV operation went through');
}

class Succeeded extends Error {}

export const NATS_ATTACKS: Attack[] = [
  [
    'read the cameras bucket (publish secrets)',
    (t) => kvAttempt(async () => (await new Kvm(t.attacker).open(Buckets.cameras)).get(t.victimId)),
  ],
  [
    'list the users bucket',
    (t) => kvAttempt(async () => (await new Kvm(t.attacker).open(Buckets.users)).keys()),
  ],
  [
    'delete the victim’s ONVIF users in KV',
    (t) =>
      kvAttempt(async () =>
        (await new Kvm(t.attacker).open(Buckets.users)).delete(userKey(t.victimId, 'admin')),
      ),
  ],
  [
    'write the victim’s camera record in KV',
    (t) => kvAttempt(async () => (await new Kvm(t.attacker).open(Buckets.cameras)).put(t.victimId, '{}')),
  ],
  [
    'registry.register with the victim’s identity',
    (t) => request(t.attacker, Registry.register.subject, { identity: t.victimIdentity }),
  ],
  [
    'register on the victim’s camera subject',
    (t) => request(t.attacker, cameraRequests(t.victimId).register.subject, { identity: t.victimIdentity }),
  ],
  [
    'register the victim’s identity on its own subject',
    (t) => request(t.attacker, cameraRequests(t.attackerId).register.subject, { identity: t.victimIdentity }),
  ],
  ['subscribe to everything (other agents’ registration replies)', (t) => subscribe(t.attacker, '>')],
  ['subscribe to the victim’s inbox', (t) => subscribe(t.attacker, `_INBOX_${t.victimId}.>`)],
  ['subscribe to the shared inbox', (t) => subscribe(t.attacker, '_INBOX.>')],
  [
    'fetch the victim’s snapshot',
    (t) => request(t.attacker, cameraSubjects(t.victimId).snapshot.subject, { stream: 'main' }),
  ],
  [
    'send the victim new encoder settings',
    (t) => request(t.attacker, cameraSubjects(t.victimId).settings.subject, { settings: {} }),
  ],
  [
    'rename the victim’s camera',
    (t) => request(t.attacker, Registry.update.subject, { id: t.victimId, patch: { name: 'pwned' } }),
  ],
  [
    'hide the victim’s camera (NonDiscoverable)',
    (t) =>
      request(t.attacker, Registry.update.subject, {
        id: t.victimId,
        patch: { discoveryMode: 'NonDiscoverable' },
      }),
  ],
  ['remove the victim’s camera', (t) => request(t.attacker, Registry.remove.subject, { id: t.victimId })],
  [
    'bootstrap ONVIF credentials for the victim (shared subject)',
    (t) =>
      request(t.attacker, Onvif.bootstrapCredentials.subject, {
        id: t.victimId,
        username: 'evil',
        password: 'evil-password-1',
      }),
  ],
  [
    'bootstrap on the victim’s camera subject',
    (t) =>
      request(t.attacker, cameraRequests(t.victimId).bootstrapCredentials.subject, {
        id: t.victimId,
        username: 'evil',
        password: 'evil-password-1',
      }),
  ],
  [
    'bootstrap the victim’s id on its own subject',
    (t) =>
      request(t.attacker, cameraRequests(t.attackerId).bootstrapCredentials.subject, {
        id: t.victimId,
        username: 'evil',
        password: 'evil-password-1',
      }),
  ],
  [
    'join the port-registry queue group',
    (t) => subscribe(t.attacker, Registry.register.subject, 'port-registry'),
  ],
  [
    'answer other cameras’ registrations',
    (t) => subscribe(t.attacker, AnyCameraRequests.register.subject, 'port-registry'),
  ],
  [
    'fake the victim’s heartbeats',
    (t) =>
      publish(t.attacker, cameraSubjects(t.victimId).heartbeat.subject, {
        state: 'streaming',
        fps: 15,
        bitrateKbps: 1,
        encoder: 'x',
        uptimeS: 1,
        at: new Date().toISOString(),
      }),
  ],
  [
    'answer the victim’s snapshot requests',
    (t) => subscribe(t.attacker, cameraSubjects(t.victimId).snapshot.subject),
  ],
  ['delete the cameras stream', (t) => request(t.attacker, '$JS.API.STREAM.DELETE.KV_cameras', {})],
  ['delete the users stream', (t) => request(t.attacker, '$JS.API.STREAM.DELETE.KV_users', {})],
  ['delete the ports stream', (t) => request(t.attacker, '$JS.API.STREAM.DELETE.KV_ports', {})],
  [
    'report the victim’s port unusable',
    (t) => request(t.attacker, Registry.portUnusable.subject, { id: t.victimId, port: 1, reason: 'x' }),
  ],
  ['issue an enrolment token', (t) => request(t.attacker, Enrolment.issue.subject, {})],
  [
    'reset the victim’s binding',
    (t) => request(t.attacker, Enrolment.resetBinding.subject, { cameraId: t.victimId }),
  ],
  [
    'revoke the victim',
    (t) => request(t.attacker, Enrolment.revokeCameras.subject, { cameraId: t.victimId }),
  ],
  [
    'publish on an admin event subject',
    (t) => publish(t.attacker, Registry.event.subject, { type: 'camera.removed', id: t.victimId }),
  ],
];

/** Runs every attack (or those named) in turn. */
export async function runNatsAttacks(target: AttackTarget, only?: string[]): Promise<AttackResult[]> {
  const results: AttackResult[] = [];
  for (const [name, run] of NATS_ATTACKS.filter(([n]) => !only || only.includes(n))) {
    try {
      results.push({ name, refused: true, detail: await run(target) });
    } catch (err) {
      results.push({ name, refused: false, detail: String(err instanceof Error ? err.message : err) });
    }
  }
  return results;
}
