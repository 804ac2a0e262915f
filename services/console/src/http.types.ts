import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActiveSession } from './session.store.js';

/** What the console reads of Express's request (no @types/express: the few fields it uses). */
export interface ConsoleRequest extends IncomingMessage {
  body?: unknown;
  params: Record<string, string>;
  query: Record<string, unknown>;
  ip?: string;
  path: string;
  session?: ActiveSession;
}

export interface ConsoleResponse extends ServerResponse {
  status(code: number): ConsoleResponse;
  json(body: unknown): void;
  send(body: unknown): void;
  redirect(status: number, url: string): void;
}

export const SESSION_COOKIE = '__Host-desk-onvif-session';

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(id: string, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
}

export function clientAddress(req: ConsoleRequest): string {
  return (req.ip ?? req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}
