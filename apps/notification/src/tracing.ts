import { startTracing } from '@platform/tracing';

startTracing('notification');
