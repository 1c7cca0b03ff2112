// First: OpenTelemetry patches http, express, Nest, pg and ioredis as they are loaded.
import './tracing';
import 'reflect-metadata';
import { runService } from '@platform/service-kit';
import { loadOrderConfig } from './order.config';
import { OrderModule } from './order.module';

void runService({ service: 'order', loadConfig: loadOrderConfig, module: OrderModule.register });
