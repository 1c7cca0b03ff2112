import 'reflect-metadata';
import { runService } from '@platform/service-kit';
import { loadNotificationConfig } from './notification.config';
import { NotificationModule } from './notification.module';

void runService({ service: 'notification', loadConfig: loadNotificationConfig, module: NotificationModule.register });
