export * from './saga-definition';
export * from './saga-machine';
export * from './saga-orchestrator';
export * from './saga-test-kit';
