import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  Enrolment,
  Registry,
  call,
  cameraIdOf,
  decodeEnrolmentToken,
  identityKey,
  type Identity,
} from '@desk-onvif/contracts';
import { waitFor } from '@desk-onvif/test-support';
import { AgentProcess, FAKE_FFMPEG } from '../../services/capture-agent/test/agent.process.js';
import { TrustSystem } from './trust.system.js';

/**
 * Enrolment with a real registry, real agents and nats-server in the generated configuration:
 * tokens refused when expired, revoked, used up or for another PC; trust on first use; a revoked
 * camera disconnected at once and refused from then on (also after restarts); a reset binding lets
 * the re-installed PC enrol again with the same camera id and ONVIF port.
 */
describe('enrolment and revocation', () => {
  let sys: TrustSystem;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    sys = await TrustSystem.start();
  });
  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    await sys?.stop();
  });

  const identity = (hostId = `pc-${randomUUID().slice(0, 8)}`): Identity => ({
    hostId,
    hostName: hostId.toUpperCase(),
    mode: 'shared',
  });

  /** A real agent (ffmpeg faked: enrolment is the point here) with a state dir of its own. */
  async function startAgent(token: string, hostId: string, stateDir = sys.tempDir('agent-state-')) {
    const agent = await AgentProcess.start({
      AGENT_NATS_URL: 'nats://127.0.0.1:1', // the token says where: this is not used
      AGENT_ENROLLMENT_TOKEN: token,
      AGENT_HOST_ID: hostId,
      AGENT_MEDIA_URL: 'rtsp://127.0.0.1:1',
      AGENT_SOURCE: 'test-pattern',
      AGENT_ENCODER: 'libx264',
      AGENT_FFMPEG_PATH: FAKE_FFMPEG,
      FAKE_FFMPEG_MODE: 'hang',
      AGENT_STATE_DIR: stateDir,
      AGENT_REGISTER_RETRY_MS: '300',
      AGENT_ONVIF_RETRY_MS: '300',
    });
    agents.push(agent);
    return { agent, stateDir };
  }

  it('an agent enrols once with its own key, registers over its own credential, and keeps both 0600', async () => {
    const hostId = `pc-${randomUUID().slice(0, 8)}`;
    const token = await sys.issue();
    const { agent, stateDir } = await startAgent(token, hostId);
    await waitFor('enrolled and registered', async () => {
      const s = (await agent.status()) as Awaited<ReturnType<AgentProcess['status']>> & {
        enrolment?: { state: string };
      };
      return s.registered && s.enrolment?.state === 'enrolled';
    });
    for (const f of ['camera.creds', 'identity.nk'])
      expect(statSync(join(stateDir, 'nats', f)).mode & 0o777).toBe(0o600);
    // Neither the token nor its secret is logged.
    expect(agent.output()).not.toContain(decodeEnrolmentToken(token).secret);
    expect(agent.output()).not.toContain(token.slice(5, 60));
    const id = cameraIdOf(identityKey({ mode: 'shared', hostId }));
    expect((await call(sys.admin, Registry.get, { id })).camera.online).toBeDefined();

    // The same single-use token again, from another PC: used up.
    await expect(sys.enrol(token, identity())).rejects.toMatchObject({ code: 'ENROLMENT_USED_UP' });
  });

  it('refuses a token for another PC, an expired one, and a revoked one', async () => {
    const forA = await sys.issue({ hostId: 'pc-a' });
    await expect(sys.enrol(forA, identity('pc-b'))).rejects.toMatchObject({ code: 'ENROLMENT_WRONG_HOST' });

    const short = await sys.issue({ expiresInS: 1 });
    await new Promise((r) => setTimeout(r, 1500));
    await expect(sys.enrol(short, identity())).rejects.toMatchObject({ code: 'ENROLMENT_EXPIRED' });

    const revoked = await sys.issue({ maxUses: 5 });
    await call(sys.admin, Enrolment.revoke, { id: decodeEnrolmentToken(revoked).id });
    // Its credential is revoked with it: nats-server refuses the connection itself.
    await expect(sys.enrol(revoked, identity())).rejects.toThrow(/Authorization|ENROLMENT_REVOKED/);

    const tampered = await sys.issue();
    await expect(
      sys.enrol(
        tampered.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        identity(),
      ),
    ).rejects.toBeDefined();
  });

  it('trust on first use: the same identity with another key is IDENTITY_BOUND; the same key gets its JWT again', async () => {
    const id = identity();
    const token = await sys.issue({ maxUses: 3 });
    const first = await sys.enrol(token, id);
    await expect(sys.enrol(token, id)).rejects.toMatchObject({ code: 'IDENTITY_BOUND' });
    expect(first.cameraId).toBe(cameraIdOf(identityKey(id)));
  });

  it('under concurrency a token is used exactly maxUses times, and one identity binds exactly one key', async () => {
    const limited = await sys.issue({ maxUses: 3 });
    const uses = await Promise.allSettled(Array.from({ length: 12 }, () => sys.enrol(limited, identity())));
    expect(uses.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of uses.filter((u) => u.status === 'rejected'))
      expect(r.reason).toMatchObject({ code: 'ENROLMENT_USED_UP' });

    const id = identity();
    const token = await sys.issue({ maxUses: 20 });
    const claims = await Promise.allSettled(Array.from({ length: 8 }, () => sys.enrol(token, id)));
    expect(claims.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of claims.filter((c) => c.status === 'rejected'))
      expect(r.reason).toMatchObject({ code: 'IDENTITY_BOUND' });
  });

  it('a revoked camera is disconnected at once and refused from then on, also after nats-server and the registry restart', async () => {
    const hostId = `pc-${randomUUID().slice(0, 8)}`;
    const { agent, stateDir } = await startAgent(await sys.issue({ hostId }), hostId);
    await waitFor('registered', async () => (await agent.status()).registered);
    const id = cameraIdOf(identityKey({ mode: 'shared', hostId }));
    const watcher: NatsConnection = await connect({ ...sys.agentCredential(stateDir, id), reconnect: false });
    const closed = watcher.closed().then(() => performance.now());

    const asked = performance.now();
    const { revoked } = await call(sys.admin, Enrolment.revokeCameras, { cameraId: id });
    expect(revoked).toEqual([id]);
    const disconnectMs = (await closed) - asked;
    // Within 1 s is the requirement; nats-server closes them while it applies the update.
    expect(disconnectMs).toBeLessThan(1000);
    await waitFor('the agent sees it is disconnected', async () => !(await agent.status()).natsConnected);

    await expect(connect({ ...sys.agentCredential(stateDir, id), reconnect: false })).rejects.toThrow(
      /Authorization/,
    );
    await sys.nats.restart();
    await sys.registries[0]!.restart();
    await expect(connect({ ...sys.agentCredential(stateDir, id), reconnect: false })).rejects.toThrow(
      /Authorization/,
    );
    // Enrolling again is refused too, until an administrator resets the binding.
    await expect(
      sys.enrol(await sys.issue(), { hostId, hostName: hostId, mode: 'shared' }),
    ).rejects.toMatchObject({
      code: 'CAMERA_REVOKED',
    });
  });

  it('a reset binding lets the re-installed PC enrol again with the same camera id and ONVIF port', async () => {
    const hostId = `pc-${randomUUID().slice(0, 8)}`;
    const first = await startAgent(await sys.issue({ hostId }), hostId);
    await waitFor('registered', async () => (await first.agent.status()).registered);
    const id = cameraIdOf(identityKey({ mode: 'shared', hostId }));
    const before = (await call(sys.admin, Registry.get, { id })).camera;
    await first.agent.stop();

    // Re-installed: a new state dir, a new key. Refused until the binding is reset.
    await expect(
      sys.enrol(await sys.issue({ hostId }), { hostId, hostName: hostId, mode: 'shared' }),
    ).rejects.toMatchObject({
      code: 'IDENTITY_BOUND',
    });
    await call(sys.admin, Enrolment.resetBinding, { cameraId: id });
    // The old key is revoked with the reset.
    await expect(connect({ ...sys.agentCredential(first.stateDir, id), reconnect: false })).rejects.toThrow(
      /Authorization/,
    );

    const again = await startAgent(await sys.issue({ hostId }), hostId);
    await waitFor('registered again', async () => (await again.agent.status()).registered);
    const after = (await call(sys.admin, Registry.get, { id })).camera;
    expect(after.id).toBe(before.id);
    expect(after.onvifPort).toBe(before.onvifPort);
  });
});
