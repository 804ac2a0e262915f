import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import {
  Enrolment,
  call,
  cameraIdOf,
  decodeEnrolmentToken,
  identityKey,
  type Identity,
} from '@desk-onvif/contracts';
import { createUserKey, credsText } from '@desk-onvif/nats-auth';
import { REPO_ROOT, startOnvif, waitFor } from '@desk-onvif/test-support';
import { AgentProcess, FAKE_FFMPEG } from '../services/capture-agent/test/agent.process.js';
import { runNatsAttacks } from '../test/security/nats.attacks.js';
import { TcpRecorder } from '../test/security/tcp.recorder.js';
import { TrustSystem } from '../test/security/trust.system.js';
import { median, round, writeResult } from './stats.js';

/**
 * make bench-security, the NATS half (issue 9): the attack suite in one go with a real enrolled
 * agent's credential (attacksTried, attacksRefused), secrets seen in clear on the recorded wire
 * during enrolment, registration and bootstrap, 1,000 enrolments through 2 registry replicas
 * (enrolSeconds1000, target ≤ 3 s), and how fast a revoked camera is disconnected. The ONVIF/RTSP
 * half (guessesPerMinuteAfterLockout, soapRpsTls, soapRpsPlain) is merged into the same file by
 * its own bench: each writes only its keys (mergeResult).
 */
const N = Number(process.env.BENCH_ENROLMENTS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RESULT = join(REPO_ROOT, 'bench', 'results', 'security.json');
/** BENCH_SECURITY_PART=enrol: only the enrolments and revocations (to profile them); the other keys are kept. */
const ONLY_ENROL = process.env.BENCH_SECURITY_PART === 'enrol';

/** The file's shape, agreed between both halves; null until a half has measured its keys. */
const SHAPE = {
  attacksTried: null,
  attacksRefused: null,
  secretsSeenInClear: null,
  guessesPerMinuteAfterLockout: null,
  enrolSeconds1000: null,
  soapRpsTls: null,
  soapRpsPlain: null,
};

/** Writes `part` into bench/results/security.json, keeping the other half's keys. */
export function mergeSecurityResult(part: Record<string, unknown>): void {
  const current = existsSync(RESULT)
    ? (JSON.parse(readFileSync(RESULT, 'utf8')) as Record<string, unknown>)
    : {};
  writeResult('security', { ...SHAPE, ...current, ...part });
}

const pc = (name: string): Identity => ({
  hostId: `${name}-${randomUUID().slice(0, 8)}`,
  hostName: name,
  mode: 'shared',
});

async function attacksAndWire() {
  let recorder: TcpRecorder | undefined;
  const sys = await TrustSystem.start({
    env: async (nats) => {
      recorder = await TcpRecorder.start({ host: nats.host, port: nats.port });
      return { REGISTRY_ENROL_NATS_URLS: `nats://127.0.0.1:${recorder.port}` };
    },
  });
  const agents: AgentProcess[] = [];
  const onvif = await startOnvif(sys.nats);
  try {
    const victim = pc('victim');
    const intruder = pc('intruder');
    const states: string[] = [];
    const tokens: string[] = [];
    for (const who of [victim, intruder]) {
      const stateDir = sys.tempDir('bench-agent-');
      const token = await sys.issue({ hostId: who.hostId });
      states.push(stateDir);
      tokens.push(token);
      agents.push(
        await AgentProcess.start({
          AGENT_NATS_URL: 'nats://127.0.0.1:1',
          AGENT_ENROLLMENT_TOKEN: token,
          AGENT_HOST_ID: who.hostId,
          AGENT_HOST_NAME: who.hostName,
          AGENT_MEDIA_URL: 'rtsp://127.0.0.1:1',
          AGENT_SOURCE: 'test-pattern',
          AGENT_ENCODER: 'libx264',
          AGENT_FFMPEG_PATH: FAKE_FFMPEG,
          FAKE_FFMPEG_MODE: 'hang',
          AGENT_STATE_DIR: stateDir,
          AGENT_REGISTER_RETRY_MS: '300',
          AGENT_ONVIF_RETRY_MS: '300',
        }),
      );
    }
    await waitFor(
      'both agents enrolled and registered, the victim with ONVIF credentials',
      async () =>
        (await agents[0]!.status()).registered &&
        (await agents[1]!.status()).registered &&
        readFileSync(join(states[0]!, 'state.json'), 'utf8').includes('"onvif"'),
      60_000,
    );
    const intruderId = cameraIdOf(identityKey(intruder));
    const attacker = await connect({ ...sys.agentCredential(states[1]!, intruderId), reconnect: false });
    const results = await runNatsAttacks({
      attacker,
      attackerId: intruderId,
      victimId: cameraIdOf(identityKey(victim)),
      victimIdentity: victim,
    });
    await attacker.close();
    const state = JSON.parse(readFileSync(join(states[0]!, 'state.json'), 'utf8')) as {
      camera: { publish: { password: string } };
      onvif?: { password?: string };
    };
    const secrets = [
      ...tokens.map((t) => decodeEnrolmentToken(t).secret),
      ...states.map((s) => readFileSync(join(s, 'nats', 'identity.nk'), 'utf8').trim()),
      state.camera.publish.password,
      state.onvif?.password ?? '',
    ].filter((s) => s !== '');
    return {
      attacksTried: results.length,
      attacksRefused: results.filter((r) => r.refused).length,
      attacksThrough: results.filter((r) => !r.refused).map((r) => r.name),
      secretsSeenInClear: secrets.filter((s) => recorder!.contains(s)).length,
      secretsChecked: secrets.length,
      bytesRecorded: recorder!.bytes().length,
    };
  } finally {
    for (const a of agents) await a.stop().catch(() => undefined);
    await onvif.stop();
    await recorder?.stop();
    await sys.stop();
  }
}

/** N enrolments (distinct single-use tokens, identities and keys) at once through 2 replicas. */
async function enrolments(): Promise<{ seconds: number; revokeDisconnectMs: number[]; retries: number }> {
  const sys = await TrustSystem.start({ replicas: 2 });
  try {
    const tokens: string[] = [];
    // Issuing is not what is measured: in batches, with time to spare on a loaded machine.
    for (let i = 0; i < N; i += 25)
      tokens.push(
        ...(await Promise.all(Array.from({ length: Math.min(25, N - i) }, () => sys.issue({}, 30_000)))),
      );
    const requests = tokens.map((t) => {
      const token = decodeEnrolmentToken(t);
      return {
        tokenId: token.id,
        secret: token.secret,
        identity: pc('bench'),
        publicKey: createUserKey().publicKey,
      };
    });
    // The registry's side: every request over one connection, as nats-server would hand them over.
    const t0 = performance.now();
    // As an agent does: UNAVAILABLE (JetStream busy) is retried; how often is reported.
    let retries = 0;
    const enrol = async (r: (typeof requests)[number]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await call(sys.admin, Enrolment.enrol, r, 60_000);
        } catch (err) {
          if ((err as { code?: string }).code !== 'UNAVAILABLE' || attempt === 5) throw err;
          retries++;
        }
      }
    };
    const replies = await Promise.all(requests.map(enrol)).catch((err: unknown) => {
      // What the replicas said about it (their logs never hold a secret).
      for (const r of sys.registries)
        process.stderr.write(
          `--- ${r.name} ---\n${r
            .output()
            .split('\n')
            .filter((l) => /error|warn/i.test(l))
            .slice(-10)
            .join('\n')}\n`,
        );
      throw err;
    });
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(`enrolments: ${N} in ${seconds} s\n`);
    if (new Set(replies.map((r) => r.cameraId)).size !== N) throw new Error('duplicate camera ids');

    // Revocation: how long until a connected camera is cut off, from the administrator's request.
    const revokeDisconnectMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const key = createUserKey();
      const again = await sys.issue();
      const tok = decodeEnrolmentToken(again);
      const identity = pc('revoke');
      const { cameraId, jwt } = await call(sys.admin, Enrolment.enrol, {
        tokenId: tok.id,
        secret: tok.secret,
        identity,
        publicKey: key.publicKey,
      });
      const nc = await connect({
        ...sys.nats.optionsFor(credsText(jwt, key.seed), `_INBOX_${cameraId}`),
        reconnect: false,
      });
      const closed = nc.closed().then(() => performance.now());
      const asked = performance.now();
      await call(sys.admin, Enrolment.revokeCameras, { cameraId });
      revokeDisconnectMs.push((await closed) - asked);
    }
    return { seconds, revokeDisconnectMs, retries };
  } finally {
    await sys.stop();
  }
}

it('security: NATS attacks, secrets on the wire, enrolments, revocation', async () => {
  const loadAtStart = loadavg().map((l) => round(l, 2));
  const wire = ONLY_ENROL ? {} : await attacksAndWire();
  const runs: number[] = [];
  const disconnects: number[] = [];
  const retried: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await enrolments();
    runs.push(r.seconds);
    retried.push(r.retries);
    disconnects.push(...r.revokeDisconnectMs);
  }
  mergeSecurityResult({
    ...wire,
    enrolSeconds1000: round(median(runs) * (1000 / N), 3),
    enrolRuns: runs.map((s) => round(s, 3)),
    enrolments: N,
    enrolRetriesUnavailable: retried,
    revokeDisconnectMsMedian: round(median(disconnects), 1),
    revokeDisconnectMsMax: round(Math.max(...disconnects), 1),
    natsLoadAverageStart: loadAtStart,
    natsLoadAverage: loadavg().map((l) => round(l, 2)),
    natsMeasuredAt: new Date().toISOString(),
  });
}, 1_800_000);
