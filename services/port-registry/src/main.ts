import 'reflect-metadata';
import { roleInboxPrefix } from '@desk-onvif/contracts';
import { bootOrExit, startService, natsSettingsOf } from '@desk-onvif/service-kit';
import { loadRegistryConfig } from './config.js';
import { RegistryModule } from './registry.module.js';

await bootOrExit(async () => {
  const config = loadRegistryConfig();
  await startService({
    module: RegistryModule.forRoot(config),
    nats: natsSettingsOf(config, 'port-registry-rpc', roleInboxPrefix('registry')),
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    logLevel: config.LOG_LEVEL,
  });
});
