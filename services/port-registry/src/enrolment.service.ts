import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CameraRevokedError,
  ConflictError,
  DeskOnvifError,
  EnrolmentExpiredError,
  EnrolmentInvalidError,
  EnrolmentRevokedError,
  EnrolmentUsedUpError,
  EnrolmentWrongHostError,
  IdentityBoundError,
  NotFoundError,
  cameraIdOf,
  cameraPermissions,
  encodeEnrolmentToken,
  enrolmentPermissions,
  identityKey,
  type EnrolmentRecord,
  type EnrolmentSummary,
  type EnrolRequest,
  type IssueEnrolmentRequest,
} from '@desk-onvif/contracts';
import { accountSpecOf, createUserKey, credsText, userJwt } from '@desk-onvif/nats-auth';
import type { AccountPublisher } from './account.publisher.js';
import type { Versioned } from '@desk-onvif/service-kit';
import type { EnrolmentStore } from './enrolment.store.js';
import type { Clock } from './registry.ports.js';
import type { TrustMaterial } from './trust.material.js';

const CAS_ATTEMPTS = 20;
const CREDENTIAL_GRACE_MS = 5 * 60_000;

/** Enrolment and revocation (README "Security model"). */
export class EnrolmentService {
  private readonly account: string;

  constructor(
    private readonly store: EnrolmentStore,
    private readonly trust: TrustMaterial,
    private readonly publisher: AccountPublisher,
    private readonly clock: Clock,
  ) {
    this.account = accountSpecOf(trust.accountJwt).account;
  }

  /** A new token: stored with its secret hashed; the token text (with the secret) is returned once. */
  async issue(req: IssueEnrolmentRequest): Promise<{ token: string; enrolment: EnrolmentSummary }> {
    const now = this.clock.now();
    const id = randomBytes(10).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + req.expiresInS * 1000);
    // The token's own credential: it may only ask to enrol, and dies with the token.
    const user = createUserKey();
    const jwt = await userJwt(
      {
        name: `enrolment:${id}`,
        user: user.publicKey,
        account: this.account,
        permissions: enrolmentPermissions(id),
        // A little longer than the token, so that a late agent hears ENROLMENT_EXPIRED, not a bare refusal.
        expiresAt: new Date(expiresAt.getTime() + CREDENTIAL_GRACE_MS),
        tags: [`enrolment:${id}`],
      },
      this.trust.registrySigning,
    );
    const record: EnrolmentRecord = {
      id,
      secretSha256: sha256(secret),
      ...(req.label ? { label: req.label } : {}),
      ...(req.hostId ? { hostId: req.hostId.toLowerCase() } : {}),
      expiresAt: expiresAt.toISOString(),
      maxUses: req.maxUses,
      uses: 0,
      revoked: false,
      userPublicKey: user.publicKey,
      createdAt: now.toISOString(),
    };
    if ((await this.store.createEnrolment(record)) === undefined)
      throw new ConflictError('token id clash, retry');
    const token = encodeEnrolmentToken({
      v: 1,
      id,
      secret,
      natsUrls: this.trust.natsUrls,
      caPem: this.trust.caPem,
      caSha256: caFingerprint(this.trust.caPem),
      creds: credsText(jwt, user.seed),
    });
    return { token, enrolment: summary(record) };
  }

  async revokeToken(id: string): Promise<EnrolmentSummary> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const current = await this.store.getEnrolment(id);
      if (!current) throw new NotFoundError(`no enrolment token ${id}`);
      const next = { ...current.value, revoked: true };
      if ((await this.store.updateEnrolment(next, current.revision)) !== undefined) {
        await this.revokeKeys([current.value.userPublicKey], `enrolment ${id} revoked`);
        return summary(next);
      }
    }
    throw new ConflictError(`enrolment ${id} changed too often, retry`);
  }

  async list(): Promise<EnrolmentSummary[]> {
    return (await this.store.listEnrolments()).map(summary);
  }

  /**
   * Checks the token, binds the camera's identity to the agent's public key (trust on first use)
   * and answers a user JWT for that key with the camera's permissions. The same key enrolling
   * again (a lost reply) gets a JWT again without using the token up further.
   */
  async enrol(req: EnrolRequest): Promise<{ cameraId: string; jwt: string }> {
    const cameraId = cameraIdOf(identityKey(req.identity));
    // Both reads at once: one KV round trip instead of two (an invalid token still reads nothing more).
    const [token, bound] = await Promise.all([
      this.store.getEnrolment(req.tokenId),
      this.store.getBinding(cameraId),
    ]);
    if (!token || !sameSecret(req.secret, token.value.secretSha256)) throw new EnrolmentInvalidError();
    const now = this.clock.now();
    const t = token.value;
    if (t.revoked) throw new EnrolmentRevokedError();
    if (now.getTime() >= Date.parse(t.expiresAt)) throw new EnrolmentExpiredError(t.expiresAt);
    if (t.hostId && t.hostId !== req.identity.hostId.toLowerCase()) throw new EnrolmentWrongHostError();

    if (bound?.value.revokedAt) throw new CameraRevokedError(cameraId);
    if (bound && bound.value.publicKey !== req.publicKey) throw new IdentityBoundError(cameraId);
    if (!bound) {
      await this.useOnce(req.tokenId, token);
      const created = await this.store.createBinding({
        cameraId,
        identityKey: identityKey(req.identity),
        hostId: req.identity.hostId.toLowerCase(),
        publicKey: req.publicKey,
        enrolmentId: req.tokenId,
        boundAt: now.toISOString(),
      });
      if (created === undefined) {
        // Another PC bound it meanwhile: the same key is fine, another is refused.
        const winner = await this.store.getBinding(cameraId);
        if (winner?.value.publicKey !== req.publicKey) throw new IdentityBoundError(cameraId);
      }
    }
    const jwt = await userJwt(
      {
        name: `camera:${cameraId}`,
        user: req.publicKey,
        account: this.account,
        permissions: cameraPermissions(cameraId),
        tags: [`camera:${cameraId}`, `host:${req.identity.hostId.toLowerCase()}`],
      },
      this.trust.registrySigning,
    );
    return { cameraId, jwt };
  }

  /**
   * Counts one use (compare-and-set, so replicas never hand out more than maxUses). The first
   * attempt writes against the record already read (`seen`); a lost race reads it again.
   */
  private async useOnce(tokenId: string, seen: Versioned<EnrolmentRecord>): Promise<void> {
    let current: Versioned<EnrolmentRecord> | undefined = seen;
    for (let i = 0; i < CAS_ATTEMPTS * 5; i++) {
      current ??= await this.store.getEnrolment(tokenId);
      if (!current) throw new EnrolmentInvalidError();
      if (current.value.revoked) throw new EnrolmentRevokedError();
      if (current.value.uses >= current.value.maxUses) throw new EnrolmentUsedUpError(current.value.maxUses);
      const next = { ...current.value, uses: current.value.uses + 1 };
      if ((await this.store.updateEnrolment(next, current.revision)) !== undefined) return;
      current = undefined;
    }
    throw new ConflictError(`enrolment ${tokenId} is busy, retry`);
  }

  /** Forgets the camera's binding (its old key revoked): the re-installed PC enrols again, same id and port. */
  async resetBinding(cameraId: string): Promise<void> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const current = await this.store.getBinding(cameraId);
      if (!current) throw new NotFoundError(`camera ${cameraId} has no binding`);
      await this.revokeKeys([current.value.publicKey], `binding of ${cameraId} reset`);
      if (await this.store.deleteBinding(cameraId, current.revision)) return;
    }
    throw new ConflictError(`binding of ${cameraId} changed too often, retry`);
  }

  /** Revokes one camera or every camera of a PC: connections closed now, credentials refused from now on. */
  async revokeCameras(which: { cameraId: string } | { hostId: string }): Promise<string[]> {
    const bindings =
      'cameraId' in which
        ? [await this.store.getBinding(which.cameraId)].filter((b) => b !== undefined)
        : await this.bindingsOfHost(which.hostId.toLowerCase());
    if (bindings.length === 0) throw new NotFoundError('no enrolled camera matches');
    const at = this.clock.now().toISOString();
    for (const b of bindings)
      if (!b.value.revokedAt) await this.store.updateBinding({ ...b.value, revokedAt: at }, b.revision);
    await this.revokeKeys(
      bindings.map((b) => b.value.publicKey),
      'camera revoked',
    );
    return bindings.map((b) => b.value.cameraId);
  }

  private async bindingsOfHost(hostId: string) {
    const out = [];
    for (const b of await this.store.listBindings())
      if (b.hostId === hostId) {
        const v = await this.store.getBinding(b.cameraId);
        if (v) out.push(v);
      }
    return out;
  }

  /** Records the revocations in KV, then pushes the whole list (from KV) to nats-server. */
  private async revokeKeys(publicKeys: string[], reason: string): Promise<void> {
    const at = Math.floor(this.clock.now().getTime() / 1000);
    for (const key of publicKeys) await this.store.revoke(key, { at, reason });
    await this.pushRevocations();
  }

  /** The account JWT with every revocation in KV: at boot, and after each change. */
  async pushRevocations(): Promise<number> {
    const revocations = await this.store.revocations();
    try {
      await this.publisher.push(revocations);
    } catch (err) {
      throw err instanceof DeskOnvifError
        ? err
        : new DeskOnvifError('UNAVAILABLE', `cannot update the account on nats-server: ${String(err)}`, {
            cause: err,
          });
    }
    return Object.keys(revocations).length;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function sameSecret(secret: string, expectedSha256: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(secret), 'hex'), Buffer.from(expectedSha256, 'hex'));
}

function caFingerprint(pem: string): string {
  const der = Buffer.from(
    pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
    'base64',
  );
  return createHash('sha256').update(der).digest('hex');
}

function summary(r: EnrolmentRecord): EnrolmentSummary {
  return {
    id: r.id,
    ...(r.label ? { label: r.label } : {}),
    ...(r.hostId ? { hostId: r.hostId } : {}),
    expiresAt: r.expiresAt,
    maxUses: r.maxUses,
    uses: r.uses,
    revoked: r.revoked,
    createdAt: r.createdAt,
  };
}
