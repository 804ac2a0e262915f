import 'reflect-metadata';
import { roleInboxPrefix } from '@desk-onvif/contracts';
import { bootOrExit, startService, natsSettingsOf } from '@desk-onvif/service-kit';
import { loadOnvifConfig } from './config.js';
import { OnvifModule } from './onvif.module.js';

await bootOrExit(async () => {
  const config = loadOnvifConfig();
  await startService({
    module: OnvifModule.forRoot(config),
    nats: natsSettingsOf(config, 'onvif-rpc', roleInboxPrefix('onvif')),
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    logLevel: config.LOG_LEVEL,
  });
});
