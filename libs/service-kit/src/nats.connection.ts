import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type ConnectionOptions,
} from '@nats-io/transport-node';

export interface NatsSettings {
  url: string;
  /** A `.creds` file (user JWT + seed): how services connect to an operator-mode server. */
  credsFile?: string | undefined;
  /** The site CA (PEM file): the server's certificate must chain to it. */
  caFile?: string | undefined;
  /** Replies to this connection's requests arrive under it: its credential may subscribe there only. */
  inboxPrefix?: string | undefined;
  /** Upgrade path from token deployments (README "Security model"). */
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  name: string;
}

/** Connection options shared by Nest's transport and a service's own connection: reconnect forever. */
export function natsOptions(s: NatsSettings): ConnectionOptions {
  return {
    servers: s.url.split(',').map((u) => u.trim()),
    name: s.name,
    ...(s.credsFile ? { authenticator: credsAuthenticator(readFileSync(s.credsFile)) } : {}),
    ...(s.caFile ? { tls: { caFile: s.caFile } } : {}),
    ...(s.inboxPrefix ? { inboxPrefix: s.inboxPrefix } : {}),
    ...(s.user ? { user: s.user, pass: s.password ?? '' } : {}),
    ...(s.token ? { token: s.token } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  };
}

export function connectNats(s: NatsSettings): Promise<NatsConnection> {
  return connect(natsOptions(s));
}
