// First: OpenTelemetry patches http, express, Nest, pg and ioredis as they are loaded.
import './tracing';
import 'reflect-metadata';
import { runService } from '@platform/service-kit';
import { loadInventoryConfig } from './inventory.config';
import { InventoryModule } from './inventory.module';

void runService({ service: 'inventory', loadConfig: loadInventoryConfig, module: InventoryModule.register });
