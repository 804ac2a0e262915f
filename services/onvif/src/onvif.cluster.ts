import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * The onvif service on every core (ONVIF_WORKERS): a primary that only supervises, and workers
 * that each run the whole service but open the listeners of their share of the cameras. A camera
 * belongs to one worker, chosen by its id (not its port, which an administrator or a clash can
 * move), so that its listener, nonce cache, password throttling, client-created profiles and event
 * subscriptions always live in one process and never need sharing. Requests over NATS, /healthz
 * and the MediaMTX hook go to any worker (they read KV, which every worker follows); /metrics
 * answers for all of them, summed by the primary (prom-client's AggregatorRegistry).
 */

const READY = 'desk-onvif:ready';
const BUS = 'desk-onvif:bus';
const METRICS_ASK = 'desk-onvif:metrics?';
const METRICS_REPLY = 'desk-onvif:metrics';
const METRICS_TIMEOUT_MS = 5000;

interface MetricsReply {
  type: typeof METRICS_REPLY;
  id: number;
  text?: string;
  error?: string;
}

function isMessage<T extends { type: string }>(msg: unknown, type: T['type']): msg is T {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type;
}

/** The worker that serves a camera: UUIDs are uniform in their first 32 bits. */
export function workerOf(cameraId: string, workers: number): number {
  if (workers <= 1) return 0;
  const n = parseInt(cameraId.replace(/-/g, '').slice(0, 8), 16);
  return Number.isFinite(n) ? n % workers : 0;
}

/** In a worker: tells the primary the service is up (a worker that dies before never was). */
export function announceReady(): void {
  if (cluster.isWorker) process.send?.({ type: READY });
}

/** The primary's log lines, in the shape of the services' JSON logs (it loads no Nest). */
function log(level: 'log' | 'error', message: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ level, pid: process.pid, timestamp: Date.now(), message, context: 'cluster' })}\n`,
  );
}

/**
 * The primary: forks one worker per slot (ONVIF_WORKER_INDEX), forks a slot again when its worker
 * dies (after a pause that doubles while it keeps dying young), passes SIGTERM/SIGINT on and exits
 * when they have, and sums the workers' metrics for the one asking. A worker that exits before any
 * was ever ready (a bad setting, which it has listed) ends the service with its exit code: the
 * same configuration would only fail again.
 */
export class WorkerSupervisor {
  private readonly aggregator = new AggregatorRegistry();
  private readonly slots = new Map<number, Worker>();
  private readonly pauses = new Map<number, number>();
  private anyReady = false;
  private stopping = false;

  constructor(private readonly count: number) {}

  start(): void {
    for (let i = 0; i < this.count; i++) this.fork(i);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => this.stop(0));
    log('log', { msg: 'supervising workers', workers: this.count });
  }

  private fork(index: number): void {
    const startedAt = Date.now();
    const worker = cluster.fork({ ONVIF_WORKER_INDEX: String(index) });
    this.slots.set(index, worker);
    worker.on('message', (msg: unknown) => {
      if (isMessage<{ type: typeof READY }>(msg, READY)) this.anyReady = true;
      if (isMessage<{ type: typeof BUS }>(msg, BUS)) this.relay(worker, msg);
      if (isMessage<{ type: typeof METRICS_ASK; id: number }>(msg, METRICS_ASK))
        this.answerMetrics(worker, msg.id);
    });
    worker.on('exit', (code, signal) => {
      if (this.slots.get(index) === worker) this.slots.delete(index);
      if (this.stopping) {
        if (this.slots.size === 0) process.exit();
        return;
      }
      if (!this.anyReady) {
        log('error', { msg: 'a worker failed to start: stopping', worker: index, code, signal });
        this.stop(code || 1);
        return;
      }
      // A worker that dies within 10 s of its start waits twice as long as the last time.
      const young = Date.now() - startedAt < 10_000;
      const pause = young ? Math.min(30_000, (this.pauses.get(index) ?? 500) * 2) : 1000;
      this.pauses.set(index, pause);
      log('error', { msg: 'worker exited: forking it again', worker: index, code, signal, pauseMs: pause });
      setTimeout(() => {
        if (!this.stopping) this.fork(index);
      }, pause);
    });
  }

  /** A bus event to every other worker, in the order the primary receives them. */
  private relay(from: Worker, msg: { type: typeof BUS }): void {
    for (const worker of this.slots.values()) if (worker !== from && worker.isConnected()) worker.send(msg);
  }

  private answerMetrics(worker: Worker, id: number): void {
    const reply = (r: Omit<MetricsReply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: METRICS_REPLY, id, ...r });
    };
    this.aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: String(err) }),
    );
  }

  private stop(exitCode: number): void {
    if (this.stopping) return;
    this.stopping = true;
    process.exitCode = exitCode;
    if (this.slots.size === 0) process.exit();
    for (const worker of this.slots.values()) worker.process.kill('SIGTERM');
    // Workers close their listeners and drain NATS; one that hangs does not keep the service up.
    setTimeout(() => process.exit(1), 15_000).unref();
  }
}

/**
 * In a worker: answers the primary's requests for this worker's metrics, and makes `/metrics`
 * (which calls `registry.metrics()`) return the sum over every worker, asked of the primary.
 */
export function clusterWideMetrics(registry: Registry): Registry {
  new AggregatorRegistry(); // installs the worker's answer to the primary's requests
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<number, (r: MetricsReply) => void>();
  let next = 0;
  process.on('message', (msg: unknown) => {
    if (!isMessage<MetricsReply>(msg, METRICS_REPLY)) return;
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
  registry.metrics = () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary did not answer with the metrics'));
      }, METRICS_TIMEOUT_MS);
      waiting.set(id, (r) => {
        clearTimeout(timer);
        if (r.text !== undefined) resolve(r.text);
        else reject(new Error(r.error ?? 'no metrics'));
      });
      process.send?.({ type: METRICS_ASK, id });
    });
  return registry;
}

/** Events a worker shares with the others: state that must agree across cameras' workers. */
export interface ClusterBus {
  publish(event: unknown): void;
  subscribe(onEvent: (event: unknown) => void): void;
}

/** In a worker: a bus through the primary; undefined in a single process, which needs none. */
export function workerBus(): ClusterBus | undefined {
  if (!cluster.isWorker) return undefined;
  return {
    publish: (event) => process.send?.({ type: BUS, event }),
    subscribe: (onEvent) =>
      process.on('message', (msg: unknown) => {
        if (isMessage<{ type: typeof BUS; event: unknown }>(msg, BUS)) onEvent(msg.event);
      }),
  };
}
