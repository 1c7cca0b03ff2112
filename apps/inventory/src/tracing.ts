import { startTracing } from '@platform/tracing';

startTracing('inventory');
