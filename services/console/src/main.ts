import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { bootOrExit, jsonLogger } from '@desk-onvif/service-kit';
import { loadConsoleConfig } from './config.js';
import { ConsoleModule } from './console.module.js';
import { securityHeaders } from './security.headers.js';
import { runAdminCommand } from './admin.command.js';

/**
 * `node dist/main.js`: the HTTPS console. `node dist/main.js create-admin <name>`: the first
 * administrator (make dev / make up), its generated password printed once.
 */
await bootOrExit(async () => {
  const config = loadConsoleConfig();
  if (process.argv[2] !== undefined) {
    process.exitCode = await runAdminCommand(config, process.argv.slice(2));
    return;
  }
  const app = await NestFactory.create(ConsoleModule.forRoot(config), {
    logger: jsonLogger(config.LOG_LEVEL),
    httpsOptions: { cert: readFileSync(config.TLS_CERT), key: readFileSync(config.TLS_KEY) },
  });
  (app.getHttpAdapter().getInstance() as { disable(s: string): void }).disable('x-powered-by');
  app.use(securityHeaders(config));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.PORT, config.HOST);
  const address = (app.getHttpServer() as { address(): { port: number } }).address();
  jsonLogger(config.LOG_LEVEL).log({ msg: 'listening', https: `${config.HOST}:${address.port}` }, 'boot');
});
