import 'reflect-metadata';
import { bootOrExit, startService } from '@desk-onvif/service-kit';
import { loadRegistryConfig } from './config.js';
import { RegistryModule } from './registry.module.js';

await bootOrExit(async () => {
  const config = loadRegistryConfig();
  await startService({
    module: RegistryModule.forRoot(config),
    nats: {
      url: config.NATS_URL,
      user: config.NATS_USER,
      password: config.NATS_PASSWORD,
      token: config.NATS_TOKEN,
      name: 'port-registry-rpc',
    },
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    logLevel: config.LOG_LEVEL,
  });
});
