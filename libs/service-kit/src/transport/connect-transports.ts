import type { INestApplication } from '@nestjs/common';
import type { CustomTransportStrategy, MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import { MessageFailuresToTransport } from './message-failures.filter';

/**
 * Makes the service a hybrid app: its RabbitMQ and Kafka transports are Nest microservices
 * sharing the app's providers, started before the HTTP listener so the service consumes before
 * it takes orders.
 */
export async function startMessageTransports(app: INestApplication, transports: readonly CustomTransportStrategy[]): Promise<void> {
  for (const strategy of transports) {
    // Nest builds each handler's filter chain when it registers the handlers, which
    // connectMicroservice does at once unless deferred; deferred, the global filter below is in
    // the chain. The app's lifecycle hooks have run with app.init(); they must not run again here.
    const microservice = app.connectMicroservice<MicroserviceOptions>({ strategy }, { deferInitialization: true });
    microservice.useGlobalFilters(new MessageFailuresToTransport());
    (microservice as NestMicroservice).setIsInitHookCalled(true);
  }
  await app.startAllMicroservices();
}
