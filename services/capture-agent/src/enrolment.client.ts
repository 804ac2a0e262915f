import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DeskOnvifError,
  Enrolment,
  call,
  decodeEnrolmentToken,
  enrolmentInboxPrefix,
  type Identity,
} from '@desk-onvif/contracts';
import { errorMessage, type Logger } from './logger.js';
import type { CredentialLocation } from './credential.location.js';
import { protectMachineDir, writeFileAtomic } from './secret.file.js';

/** What enrolment left in the state directory (`nats/`): enough to connect as this camera. */
export interface Enrolled {
  cameraId: string;
  natsUrls: string[];
  credsFile: string;
  caFile: string;
  enrolledAt: string;
}

const EnrolledFileSchema = z
  .object({
    cameraId: z.uuid(),
    natsUrls: z.array(z.string()).min(1),
    caSha256: z.string(),
    enrolledAt: z.iso.datetime(),
  })
  .strict();

/** Enrolment refused for a reason that retrying will not change (expired, revoked, bound…). */
export class EnrolmentRefusedError extends DeskOnvifError {}

/**
 * The agent's side of enrolment (README "Security model"): with the administrator's token it
 * generates its own nkey pair (the seed never leaves the PC), asks the registry once, and keeps
 * the camera credential it gets back and the site CA it pinned, each readable by this user only
 * (`nats/`: 0600 on Linux, an ACL on Windows). From then on the agent connects with them.
 */
export class AgentEnrolment {
  constructor(
    private readonly where: CredentialLocation,
    private readonly logger: Logger,
  ) {}

  private path(name: string): string {
    return join(this.where.dir, 'nats', name);
  }

  /** The enrolment kept from an earlier run, if complete. */
  current(): Enrolled | undefined {
    const credsFile = this.path('camera.creds');
    const caFile = this.path('ca.crt');
    if (!existsSync(credsFile) || !existsSync(caFile)) return undefined;
    try {
      const info = EnrolledFileSchema.parse(JSON.parse(readFileSync(this.path('enrolment.json'), 'utf8')));
      return {
        cameraId: info.cameraId,
        natsUrls: info.natsUrls,
        credsFile,
        caFile,
        enrolledAt: info.enrolledAt,
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Enrols with `tokenText`. Throws EnrolmentRefusedError with the registry's stable code (e.g.
   * ENROLMENT_EXPIRED, IDENTITY_BOUND) when retrying cannot help, another error when it can.
   */
  async enrol(tokenText: string, identity: Identity): Promise<Enrolled> {
    let token;
    try {
      token = decodeEnrolmentToken(tokenText);
    } catch (err) {
      throw new EnrolmentRefusedError('INVALID_REQUEST', `enrollmentToken: ${errorMessage(err)}`);
    }
    const der = Buffer.from(
      token.caPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
      'base64',
    );
    if (createHash('sha256').update(der).digest('hex') !== token.caSha256)
      throw new EnrolmentRefusedError(
        'INVALID_REQUEST',
        'enrollmentToken: its CA does not match its fingerprint',
      );

    // The machine credential's directory gets its own ACL before anything is written in it.
    if (this.where.scope === 'machine') protectMachineDir(join(this.where.dir, 'nats'));
    const secret = { secret: true, scope: this.where.scope };
    const { createUserKey, credsText } = await import('@desk-onvif/nats-auth');
    const { connect, credsAuthenticator } = await import('@nats-io/transport-node');
    // The key pair is made once and kept: enrolling again after a lost reply uses the same key.
    const seedFile = this.path('identity.nk');
    let key: { seed: string; publicKey: string };
    if (existsSync(seedFile)) {
      const seed = readFileSync(seedFile, 'utf8').trim();
      const { fromSeed } = await import('@nats-io/nkeys');
      key = { seed, publicKey: fromSeed(new TextEncoder().encode(seed)).getPublicKey() };
    } else {
      key = createUserKey();
      writeFileAtomic(seedFile, `${key.seed}\n`, secret);
    }

    const nc = await connect({
      servers: token.natsUrls,
      name: `desk-onvif-agent enrolment ${identity.hostName}`,
      authenticator: credsAuthenticator(new TextEncoder().encode(token.creds)),
      tls: { ca: token.caPem },
      inboxPrefix: enrolmentInboxPrefix(token.id),
      reconnect: false,
      timeout: 5000,
    });
    try {
      const reply = await call(
        nc,
        Enrolment.enrol,
        { tokenId: token.id, secret: token.secret, identity, publicKey: key.publicKey },
        10_000,
      );
      const enrolled: Enrolled = {
        cameraId: reply.cameraId,
        natsUrls: token.natsUrls,
        credsFile: this.path('camera.creds'),
        caFile: this.path('ca.crt'),
        enrolledAt: new Date().toISOString(),
      };
      writeFileAtomic(enrolled.caFile, token.caPem);
      writeFileAtomic(enrolled.credsFile, credsText(reply.jwt, key.seed), secret);
      writeFileAtomic(
        this.path('enrolment.json'),
        `${JSON.stringify({ cameraId: enrolled.cameraId, natsUrls: enrolled.natsUrls, caSha256: token.caSha256, enrolledAt: enrolled.enrolledAt }, null, 2)}\n`,
      );
      this.logger.info('enrolled', { cameraId: enrolled.cameraId, publicKey: key.publicKey });
      return enrolled;
    } catch (err) {
      if (err instanceof DeskOnvifError && PERMANENT.has(err.code))
        throw new EnrolmentRefusedError(err.code, err.message);
      throw err;
    } finally {
      await nc.close().catch(() => undefined);
    }
  }
}

/** Refusals that the same token will meet again: logged, then retried only slowly. */
const PERMANENT = new Set([
  'ENROLMENT_INVALID',
  'ENROLMENT_EXPIRED',
  'ENROLMENT_REVOKED',
  'ENROLMENT_USED_UP',
  'ENROLMENT_WRONG_HOST',
  'IDENTITY_BOUND',
  'CAMERA_REVOKED',
  'INVALID_REQUEST',
]);
