import 'reflect-metadata';
import { bootOrExit, startService } from '@desk-onvif/service-kit';
import { loadOnvifConfig } from './config.js';
import { OnvifModule } from './onvif.module.js';

await bootOrExit(async () => {
  const config = loadOnvifConfig();
  await startService({
    module: OnvifModule.forRoot(config),
    nats: {
      url: config.NATS_URL,
      user: config.NATS_USER,
      password: config.NATS_PASSWORD,
      token: config.NATS_TOKEN,
      name: 'onvif-rpc',
    },
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    logLevel: config.LOG_LEVEL,
  });
});
