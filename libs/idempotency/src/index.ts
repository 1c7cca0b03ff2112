export * from './idempotent-consumer';
export * from './redis-seen-cache';
