import { startTracing } from '@platform/tracing';

startTracing('points');
