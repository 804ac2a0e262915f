import { z } from 'zod';
import { OnvifUserLevelSchema, OnvifUsernameSchema, replyOf } from './schemas.js';

/**
 * An administrator's management of a camera's ONVIF users (the console, scripts), served by the
 * onvif service on its users store (one compare-and-set per change, the ONVIF rules of
 * CreateUsers/DeleteUsers/SetUser: no clash, always an Administrator). A password is answered only
 * when the service generated it, once; it is never listed.
 */
const cameraId = z.uuid();

export const OnvifUserViewSchema = z
  .object({ username: OnvifUsernameSchema, level: OnvifUserLevelSchema })
  .strict();
export type OnvifUserView = z.infer<typeof OnvifUserViewSchema>;

export const ListOnvifUsersRequestSchema = z.object({ id: cameraId }).strict();
export const ListOnvifUsersReplySchema = replyOf({ users: z.array(OnvifUserViewSchema) });

/** Without `password`, one is generated (and answered once). */
export const AddOnvifUserRequestSchema = z
  .object({
    id: cameraId,
    username: OnvifUsernameSchema,
    level: OnvifUserLevelSchema,
    password: z.string().min(8).max(128).optional(),
  })
  .strict();

/** A new level, a new password, or `generatePassword` (answered once); at least one of them. */
export const SetOnvifUserRequestSchema = z
  .object({
    id: cameraId,
    username: OnvifUsernameSchema,
    level: OnvifUserLevelSchema.optional(),
    password: z.string().min(8).max(128).optional(),
    generatePassword: z.literal(true).optional(),
  })
  .strict()
  .refine((v) => !(v.password !== undefined && v.generatePassword), {
    message: 'a password or generatePassword, not both',
    path: ['generatePassword'],
  })
  .refine((v) => v.level !== undefined || v.password !== undefined || v.generatePassword, {
    message: 'nothing to change',
    path: ['level'],
  });

export const OnvifUserReplySchema = replyOf({
  user: OnvifUserViewSchema,
  /** Only when the service generated it: the one moment it can be shown. */
  password: z.string().optional(),
});

export const RemoveOnvifUserRequestSchema = z
  .object({ id: cameraId, username: OnvifUsernameSchema })
  .strict();
export const RemoveOnvifUserReplySchema = replyOf({ username: OnvifUsernameSchema });
