import 'reflect-metadata';
import cluster from 'node:cluster';

/**
 * ONVIF_WORKERS > 1: this process is the primary, which only supervises (onvif.cluster.ts) and so
 * loads neither Nest nor NATS; each worker validates the configuration and runs the service. A
 * value that is not a plain count falls through to the service, whose configuration check names it.
 */
const raw = process.env.ONVIF_WORKERS;
const workers = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 1;

if (workers > 1 && workers <= 64 && cluster.isPrimary) {
  const { WorkerSupervisor } = await import('./onvif.cluster.js');
  new WorkerSupervisor(workers).start();
} else {
  const { roleInboxPrefix } = await import('@desk-onvif/contracts');
  const { bootOrExit, startService, natsSettingsOf } = await import('@desk-onvif/service-kit');
  const { loadOnvifConfig } = await import('./config.js');
  const { OnvifModule } = await import('./onvif.module.js');
  const { announceReady } = await import('./onvif.cluster.js');
  await bootOrExit(async () => {
    const config = loadOnvifConfig();
    await startService({
      module: OnvifModule.forRoot(config),
      nats: natsSettingsOf(config, 'onvif-rpc', roleInboxPrefix('onvif')),
      // One worker serves /metrics (summed over all), /healthz and the MediaMTX hook: its
      // decisions and their throttling in one process.
      ...(config.WORKER_INDEX === 0 ? { http: { host: config.HTTP_HOST, port: config.HTTP_PORT } } : {}),
      logLevel: config.LOG_LEVEL,
    });
    announceReady();
  });
}
