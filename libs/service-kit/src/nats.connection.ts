import { connect, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';

export interface NatsSettings {
  url: string;
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
