// First: OpenTelemetry patches http, express, Nest, pg and ioredis as they are loaded.
import './tracing';
import 'reflect-metadata';
import { runService } from '@platform/service-kit';
import { loadNotificationConfig } from './notification.config';
import { NotificationModule } from './notification.module';

void runService({ service: 'notification', loadConfig: loadNotificationConfig, module: NotificationModule.register });
