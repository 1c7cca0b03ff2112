export * from './message-spans';
export * from './start-tracing';
