import type { INestApplication, Type, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { jsonLogger } from './logger.js';
import { natsOptions, type NatsSettings } from './nats.connection.js';
import { JsonReplySerializer, RawNatsDeserializer } from './nats.transport.js';

export interface ServiceBoot {
  module: Type | DynamicModule;
  nats: NatsSettings;
  /** /metrics, /healthz and the service's HTTP routes; absent: none (e.g. a cluster worker that leaves them to another). */
  http?: { host: string; port: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * A hybrid Nest app: NATS handlers (plain JSON contracts) plus HTTP for /metrics and /healthz.
 * SIGTERM/SIGINT close it cleanly (Nest's shutdown hooks run, NATS drains).
 */
export async function startService(boot: ServiceBoot): Promise<INestApplication> {
  const logger = jsonLogger(boot.logLevel);
  const app = await NestFactory.create(boot.module, { logger });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.NATS,
    options: {
      ...natsOptions(boot.nats),
      serializer: new JsonReplySerializer(),
      deserializer: new RawNatsDeserializer(),
    },
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.startAllMicroservices();
  if (!boot.http) {
    await app.init();
    logger.log({ msg: 'started, without HTTP' }, 'boot');
    return app;
  }
  await app.listen(boot.http.port, boot.http.host);
  const server = app.getHttpServer() as { address(): { port: number } | string | null };
  const address = server.address();
  logger.log(
    {
      msg: 'listening',
      http: `${boot.http.host}:${typeof address === 'object' && address ? address.port : boot.http.port}`,
    },
    'boot',
  );
  return app;
}
