import 'reflect-metadata';
import { roleInboxPrefix } from '@desk-onvif/contracts';
import { networkInterfaces } from 'node:os';
import { ConfigError, bootOrExit, startService, natsSettingsOf } from '@desk-onvif/service-kit';
import { loadDiscoveryConfig } from './config.js';
import { DiscoveryModule } from './discovery.module.js';
import { InterfaceConfigError, selectInterfaces, type ListenAddress } from './network.interfaces.js';

await bootOrExit(async () => {
  const config = loadDiscoveryConfig();
  let listening: ListenAddress[];
  try {
    listening = selectInterfaces(networkInterfaces(), config.INTERFACES);
  } catch (err) {
    if (err instanceof InterfaceConfigError) throw new ConfigError([err.message]);
    throw err;
  }
  await startService({
    module: DiscoveryModule.forRoot(config, listening),
    nats: natsSettingsOf(config, 'discovery-rpc', roleInboxPrefix('discovery')),
    http: { host: config.HTTP_HOST, port: config.HTTP_PORT },
    logLevel: config.LOG_LEVEL,
  });
});
