export * from './outbox-writer';
export * from './outbox-relay';
export * from './outbox-store';
export * from './outbox-listener';
export * from './outbox-janitor';
export * from './outbox-admin';
export * from './outbox-backlog';
