// First: OpenTelemetry patches http, express, Nest, pg and ioredis as they are loaded.
import './tracing';
import 'reflect-metadata';
import { runService } from '@platform/service-kit';
import { loadPaymentConfig } from './payment.config';
import { PaymentModule } from './payment.module';

void runService({ service: 'payment', loadConfig: loadPaymentConfig, module: PaymentModule.register });
