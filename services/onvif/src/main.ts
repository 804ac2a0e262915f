import 'reflect-metadata';
import cluster from 'node:cluster';
import { bootOrExit, jsonLogger, startService, natsSettingsOf } from '@desk-onvif/service-kit';
import { loadOnvifConfig } from './config.js';
import { WorkerSupervisor } from './onvif.cluster.js';
import { OnvifModule } from './onvif.module.js';

await bootOrExit(async () => {
  const config = loadOnvifConfig();
  if (config.WORKERS > 1 && cluster.isPrimary) {
    // The primary supervises only: the workers serve (onvif.cluster.ts).
    new WorkerSupervisor(config.WORKERS, jsonLogger(config.LOG_LEVEL)).start();
    return;
  }
  await startService({
    module: OnvifModule.forRoot(config),
    nats: natsSettingsOf(config, 'onvif-rpc'),
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    logLevel: config.LOG_LEVEL,
  });
});
