import { askedForCredentials, plainIp, type AuthAction, type Authenticator } from './auth.hook.js';
import { basicCredentials, type RtspRequest } from './rtsp.message.js';

export interface RtspReply {
  status: number;
  headers?: Record<string, string | undefined>;
  body?: string;
  /** Close the connection once the reply is written. */
  close?: boolean;
}

export interface RtspAuthContext {
  auth: Authenticator;
  /** MediaMTX waits 2 s before refusing wrong credentials, against brute force. */
  authFailurePauseMs: number;
  log(event: string, fields: Record<string, unknown>): void;
}

export interface RtspAccess {
  action: AuthAction;
  path: string;
  query: string;
  /** The connection's id on DESCRIBE, the session's on ANNOUNCE and SETUP, as MediaMTX sends. */
  id: string;
  /** For the log. */
  conn: string;
  peer: string | undefined;
}

/**
 * MediaMTX's RTSP authentication with `authMethod: http` and `rtspAuthMethods: [basic]`:
 * undefined when the hook allows; else the 401 it answers. Without credentials, a Basic challenge
 * and the connection kept, so the client retries with them (RFC 2326 §11.2.4, RFC 7617); with
 * wrong ones, a pause against brute force, then 401 and the connection closed.
 */
export async function authorizeRtsp(
  ctx: RtspAuthContext,
  req: RtspRequest,
  access: RtspAccess,
): Promise<RtspReply | undefined> {
  const creds = basicCredentials(req.headers.get('authorization'));
  const request = {
    ...creds,
    token: '',
    ip: plainIp(access.peer),
    action: access.action,
    path: access.path,
    protocol: 'rtsp',
    id: access.id,
    query: access.query,
    userAgent: req.headers.get('user-agent') ?? '',
  };
  if (await ctx.auth.allows(request)) return undefined;
  const challenge = { 'WWW-Authenticate': 'Basic realm="IPCAM"' };
  if (askedForCredentials(request)) return { status: 401, headers: challenge };
  ctx.log('authentication failed', {
    conn: access.conn,
    action: access.action,
    path: access.path,
    user: creds.user,
  });
  await new Promise((r) => setTimeout(r, ctx.authFailurePauseMs));
  return { status: 401, headers: challenge, close: true };
}
