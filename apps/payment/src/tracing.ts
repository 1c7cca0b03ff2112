import { startTracing } from '@platform/tracing';

startTracing('payment');
