import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  call,
  cameraIdOf,
  cameraInboxPrefix,
  cameraRequests,
  identityKey,
  type CameraRecord,
  type CredentialsBootstrap,
  DeskOnvifError,
  type EncoderSettings,
  Onvif,
  Registry,
  type RegisterRequest,
} from '@desk-onvif/contracts';
import type { AgentConfig } from './config.js';
import { AgentEnrolment, EnrolmentRefusedError } from './enrolment.client.js';
import { errorMessage, type Logger } from './logger.js';

export interface SessionEvents {
  connected(nc: NatsConnection): void;
  disconnected(): void;
  registered(camera: CameraRecord): void;
}

export interface OnvifCredentials {
  username: string;
  password?: string;
  source: 'generated' | 'configured' | 'existing';
}

/**
 * The agent's NATS side: connects in the background and forever (streaming never waits for it),
 * registers at every (re)connection (DESIGN.md steps 1-2), and asks the onvif service once for
 * the camera's first ONVIF credentials, retrying while no onvif service answers.
 */
export class NatsSession {
  private nc: NatsConnection | undefined;
  private closed = false;
  private registering = false;
  private bootstrapping = false;
  /** The camera's own subjects when it holds a camera credential; the shared ones (token upgrade path) otherwise. */
  private subjects: {
    register: typeof Registry.register;
    bootstrap: typeof Onvif.bootstrapCredentials;
  };
  private readonly cameraId: string;
  private readonly enrolment: AgentEnrolment;
  private usesCameraCredential = false;
  /** What `status` shows about enrolment. */
  enrolmentStatus: {
    state: 'enrolled' | 'not-enrolled' | 'enrolling' | 'refused';
    code?: string;
    cameraId?: string;
  } = {
    state: 'not-enrolled',
  };

  constructor(
    private readonly config: AgentConfig,
    private readonly request: RegisterRequest,
    private readonly events: SessionEvents,
    private readonly logger: Logger,
  ) {
    this.cameraId = cameraIdOf(identityKey(request.identity));
    this.subjects = { register: Registry.register, bootstrap: Onvif.bootstrapCredentials };
    this.enrolment = new AgentEnrolment(config.credentials, logger);
    const enrolled = this.enrolment.current();
    if (enrolled) this.enrolmentStatus = { state: 'enrolled', cameraId: enrolled.cameraId };
  }

  /**
   * How to connect: a configured camera credential; else the one enrolment left in the state
   * directory; else enrol now with `enrollmentToken`; else the token/user settings (the upgrade
   * path from token deployments).
   */
  private async credential(): Promise<{ servers: string[]; credsFile?: string; caFile?: string }> {
    const c = this.config;
    const configured = c.natsUrl.split(',').map((u) => u.trim());
    if (c.natsCreds)
      return { servers: configured, credsFile: c.natsCreds, ...(c.natsCa ? { caFile: c.natsCa } : {}) };
    let enrolled = this.enrolment.current();
    if (!enrolled && c.enrollmentToken) {
      this.enrolmentStatus = { state: 'enrolling' };
      try {
        enrolled = await this.enrolment.enrol(c.enrollmentToken, this.request.identity);
      } catch (err) {
        if (err instanceof EnrolmentRefusedError) {
          this.enrolmentStatus = { state: 'refused', code: err.code };
          this.logger.error('enrolment refused: ask the administrator for a new token or a binding reset', {
            code: err.code,
            err: err.message,
          });
          await sleep(Math.max(60_000, c.registerRetryMs));
        } else this.enrolmentStatus = { state: 'not-enrolled' };
        throw err;
      }
    }
    if (enrolled) {
      this.enrolmentStatus = { state: 'enrolled', cameraId: enrolled.cameraId };
      return { servers: enrolled.natsUrls, credsFile: enrolled.credsFile, caFile: enrolled.caFile };
    }
    return { servers: configured, ...(c.natsCa ? { caFile: c.natsCa } : {}) };
  }

  get connection(): NatsConnection | undefined {
    return this.closed ? undefined : this.nc;
  }

  /** Returns at once; connection, registration and retries go on in the background. */
  start(): void {
    void this.connectLoop();
  }

  /** Connects, and connects again after a failure nats.js gives up on (e.g. refused credentials). */
  private async connectLoop(): Promise<void> {
    while (!this.closed) {
      try {
        await this.serve(await this.connect());
      } catch (err) {
        if (this.closed) return;
        this.logger.error('NATS connection failed, trying again', { err: errorMessage(err) });
      }
      this.events.disconnected();
      await sleep(this.config.registerRetryMs);
    }
  }

  private async connect(): Promise<NatsConnection> {
    const c = this.config;
    // Loaded here, after ffmpeg has started: the first frame does not wait for this module.
    const { connect } = await import('@nats-io/transport-node');
    const { credsAuthenticator } = await import('@nats-io/transport-node');
    const cred = await this.credential();
    this.usesCameraCredential = cred.credsFile !== undefined;
    const own = cameraRequests(this.cameraId);
    this.subjects = this.usesCameraCredential
      ? { register: own.register, bootstrap: own.bootstrapCredentials }
      : { register: Registry.register, bootstrap: Onvif.bootstrapCredentials };
    return connect({
      servers: cred.servers,
      name: `desk-onvif-agent ${this.request.identity.hostName}`,
      ...(cred.credsFile
        ? {
            authenticator: credsAuthenticator(readFileSync(cred.credsFile)),
            // The only inbox the camera credential may subscribe to.
            inboxPrefix: cameraInboxPrefix(this.cameraId),
          }
        : {}),
      ...(cred.caFile ? { tls: { caFile: cred.caFile } } : {}),
      ...(!cred.credsFile && c.natsUser ? { user: c.natsUser, pass: c.natsPassword ?? '' } : {}),
      ...(!cred.credsFile && c.natsToken ? { token: c.natsToken } : {}),
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
  }

  /** Until the connection closes: registers now and after every reconnection. */
  private async serve(nc: NatsConnection): Promise<void> {
    if (this.closed) return void (await nc.close());
    this.nc = nc;
    this.logger.info('connected to NATS', { server: nc.getServer() });
    this.events.connected(nc);
    void this.register();
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.logger.warn('NATS connection lost, streaming goes on');
        this.events.disconnected();
      } else if (status.type === 'reconnect') {
        this.logger.info('NATS connection back: registering again');
        this.events.connected(nc);
        void this.register();
      }
    }
    const err = await nc.closed();
    if (err && !this.closed) throw err;
  }

  /** Registers, retrying every `registerRetryMs` until the registry answers. */
  private async register(): Promise<void> {
    if (this.registering) return;
    this.registering = true;
    try {
      while (!this.closed && this.nc && !this.nc.isClosed()) {
        try {
          const { camera } = await call(this.nc, this.subjects.register, this.request, 5000);
          this.logger.info('registered', {
            cameraId: camera.id,
            onvifPort: camera.onvifPort,
            name: camera.name,
          });
          this.events.registered(camera);
          return;
        } catch (err) {
          const code = err instanceof DeskOnvifError ? err.code : 'UNAVAILABLE';
          this.logger.warn('registration failed, will retry', { code, err: errorMessage(err) });
          await sleep(this.config.registerRetryMs);
        }
      }
    } finally {
      this.registering = false;
    }
  }

  /**
   * Asks the onvif service for the camera's first ONVIF credentials, until it answers. No
   * responder (onvif not deployed yet) or a timeout only means "later": streaming never waits.
   */
  async bootstrapOnvif(cameraId: string, save: (creds: OnvifCredentials) => void): Promise<void> {
    if (this.bootstrapping) return;
    this.bootstrapping = true;
    const c = this.config;
    const payload = bootstrapRequest(c, cameraId);
    try {
      while (!this.closed) {
        const nc = this.nc;
        if (nc && !nc.isClosed()) {
          try {
            const reply = await call(nc, this.subjects.bootstrap, payload, 5000);
            const source = !reply.created ? 'existing' : reply.password ? 'generated' : 'configured';
            save({
              username: reply.username,
              ...(reply.password ? { password: reply.password } : {}),
              source,
            });
            this.logger.info('ONVIF credentials ready', { cameraId, username: reply.username, source });
            return;
          } catch (err) {
            const code = err instanceof DeskOnvifError ? err.code : 'UNAVAILABLE';
            this.logger.info('onvif service did not set credentials yet, will retry', { code });
          }
        }
        await sleep(c.onvifRetryMs);
      }
    } finally {
      this.bootstrapping = false;
    }
  }

  /**
   * Tells the registry the encoding the agent streams when it is not the record's (configured
   * sizes, fps, bitrates), so that GetProfiles describes the real stream. Once per registration:
   * a failure is logged, and the next registration tries again.
   */
  async reportSettings(cameraId: string, settings: EncoderSettings): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    try {
      if (this.usesCameraCredential)
        await call(nc, cameraRequests(cameraId).reportSettings, { settings }, 5000);
      else await call(nc, Registry.update, { id: cameraId, patch: { settings } }, 5000);
      this.logger.info('encoder settings reported to the registry', { cameraId, settings });
    } catch (err) {
      const code = err instanceof DeskOnvifError ? err.code : 'UNAVAILABLE';
      this.logger.warn('could not report the encoder settings', { cameraId, code, err: errorMessage(err) });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}

/** The configured ONVIF user and password, or none: the onvif service then generates a password. */
export function bootstrapRequest(
  c: Pick<AgentConfig, 'onvifUser' | 'onvifPassword'>,
  cameraId: string,
): CredentialsBootstrap {
  return c.onvifUser && c.onvifPassword
    ? { id: cameraId, username: c.onvifUser, password: c.onvifPassword }
    : { id: cameraId };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
