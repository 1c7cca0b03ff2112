export * from './adjustable-sampler';
export * from './message-spans';
export * from './start-tracing';
export * from './tracing-settings';
