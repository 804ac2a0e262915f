/** The console's JSON API: the session cookie rides along; every change carries the CSRF token. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
export function setCsrf(token: string): void {
  csrf = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok)
    throw new ApiError(res.status, data.code ?? `HTTP_${res.status}`, data.message ?? res.statusText);
  return data as T;
}

export interface Session {
  username: string;
  role: 'admin' | 'viewer';
  csrf: string;
  cameraHost: string;
  rtspPort: number;
  whep: boolean;
}
