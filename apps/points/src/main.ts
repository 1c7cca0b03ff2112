// First: OpenTelemetry patches http, express, Nest, pg and ioredis as they are loaded.
import './tracing';
import 'reflect-metadata';
import { runService } from '@platform/service-kit';
import { loadPointsConfig } from './points.config';
import { PointsModule } from './points.module';

void runService({ service: 'points', loadConfig: loadPointsConfig, module: PointsModule.register });
