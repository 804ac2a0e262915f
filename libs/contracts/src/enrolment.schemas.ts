import { z } from 'zod';
import { AgentInfoSchema, IdentitySchema, replyOf } from './schemas.js';

/**
 * Enrolment (README "Security model"): an administrator issues a token; an agent that holds it
 * asks once to enrol with a key pair it generated; the registry binds the camera's identity to
 * that public key (trust on first use) and answers a user JWT that only that camera may use.
 */

const uuid = z.uuid();
const tokenId = z.string().regex(/^[a-z0-9]{16,32}$/, 'an enrolment token id');
/** An nkey user public key: `U` + 55 base32 characters. */
export const UserPublicKeySchema = z.string().regex(/^U[A-Z2-7]{55}$/, 'an nkey user public key');
const hostId = z.string().min(1).max(128);
const isoTime = z.iso.datetime();

export const EnrolRequestSchema = z
  .object({
    tokenId,
    secret: z.string().min(16).max(128),
    identity: IdentitySchema,
    publicKey: UserPublicKeySchema,
    agent: AgentInfoSchema.optional(),
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequestSchema>;

/** The camera's user JWT (for the agent's own seed: the seed never travels) and its camera id. */
export const EnrolReplySchema = replyOf({ cameraId: uuid, jwt: z.string().min(1) });

export const IssueEnrolmentRequestSchema = z
  .object({
    /** Seconds until the token expires (default 1 day, at most 90 days). */
    expiresInS: z
      .int()
      .min(1)
      .max(90 * 86_400)
      .default(86_400),
    maxUses: z.int().min(1).max(100_000).default(1),
    /** Only this PC may enrol with it. */
    hostId: hostId.optional(),
    label: z.string().max(200).optional(),
  })
  .strict();
export type IssueEnrolmentRequest = z.infer<typeof IssueEnrolmentRequestSchema>;

/** What an administrator lists: never the secret or its hash. */
export const EnrolmentSummarySchema = z
  .object({
    id: tokenId,
    label: z.string().optional(),
    hostId: hostId.optional(),
    expiresAt: isoTime,
    maxUses: z.int(),
    uses: z.int(),
    revoked: z.boolean(),
    createdAt: isoTime,
  })
  .strict();
export type EnrolmentSummary = z.infer<typeof EnrolmentSummarySchema>;

/** `token`: the string to give the agent (`enrollmentToken`); shown once, not stored. */
export const IssueEnrolmentReplySchema = replyOf({ token: z.string(), enrolment: EnrolmentSummarySchema });

export const EnrolmentIdRequestSchema = z.object({ id: tokenId }).strict();
export const EnrolmentReplySchema = replyOf({ enrolment: EnrolmentSummarySchema });
export const ListEnrolmentsRequestSchema = z.object({}).strict();
export const ListEnrolmentsReplySchema = replyOf({ enrolments: z.array(EnrolmentSummarySchema) });

/** Forget a camera's key binding: its PC, re-installed, enrols again with the same id and port. */
export const ResetBindingRequestSchema = z.object({ cameraId: uuid }).strict();
export const ResetBindingReplySchema = replyOf({ cameraId: uuid });

/** Revoke one camera, or every camera of a PC. */
export const RevokeRequestSchema = z.union([
  z.object({ cameraId: uuid }).strict(),
  z.object({ hostId }).strict(),
]);
export const RevokeReplySchema = replyOf({ revoked: z.array(uuid) });

/** KV `enrolments`, key = token id. The secret is kept only as its SHA-256. */
export const EnrolmentRecordSchema = z
  .object({
    id: tokenId,
    secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
    label: z.string().optional(),
    hostId: hostId.optional(),
    expiresAt: isoTime,
    maxUses: z.int(),
    uses: z.int(),
    revoked: z.boolean(),
    /** The token credential's user public key, revoked with the token. */
    userPublicKey: UserPublicKeySchema,
    createdAt: isoTime,
  })
  .strict();
export type EnrolmentRecord = z.infer<typeof EnrolmentRecordSchema>;

/** KV `bindings`, key = camera id: the identity bound to a public key (TOFU), and its revocation. */
export const BindingRecordSchema = z
  .object({
    cameraId: uuid,
    identityKey: z.string(),
    hostId,
    publicKey: UserPublicKeySchema,
    enrolmentId: tokenId,
    boundAt: isoTime,
    revokedAt: isoTime.optional(),
  })
  .strict();
export type BindingRecord = z.infer<typeof BindingRecordSchema>;

/**
 * The token an administrator hands out (`DOE1.` + base64url JSON): where to connect, the site CA
 * (and its SHA-256, checked before use), the token id and secret, and the token's NATS credential
 * (it may only ask to enrol). A secret: give it like a password.
 */
export const EnrolmentTokenSchema = z
  .object({
    v: z.literal(1),
    id: tokenId,
    secret: z.string().min(16),
    natsUrls: z.array(z.string().min(1)).min(1),
    caPem: z.string().min(1),
    caSha256: z.string().regex(/^[0-9a-f]{64}$/),
    creds: z.string().min(1),
  })
  .strict();
export type EnrolmentToken = z.infer<typeof EnrolmentTokenSchema>;

const TOKEN_PREFIX = 'DOE1.';

export function encodeEnrolmentToken(token: EnrolmentToken): string {
  return TOKEN_PREFIX + Buffer.from(JSON.stringify(EnrolmentTokenSchema.parse(token))).toString('base64url');
}

/** Throws a zod error naming the field, or `Error('not an enrolment token')`. */
export function decodeEnrolmentToken(text: string): EnrolmentToken {
  const t = text.trim();
  if (!t.startsWith(TOKEN_PREFIX)) throw new Error('not an enrolment token (it starts with DOE1.)');
  return EnrolmentTokenSchema.parse(
    JSON.parse(Buffer.from(t.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8')),
  );
}
