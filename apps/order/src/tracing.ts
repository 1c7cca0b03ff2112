import { startTracing } from '@platform/tracing';

startTracing('order');
