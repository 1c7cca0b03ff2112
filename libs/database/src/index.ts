export * from './postgres-errors';
export * from './sql';
export * from './sql-database';
export * from './sql-transaction';
export * from './rows-at-commit';
export * from './group-commit';
export * from './exact-integers';
export * from './expired-rows';
