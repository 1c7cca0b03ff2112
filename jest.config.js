/** Unit tests sit next to the code (*.spec.ts); end-to-end suites run the real stack (test/e2e). */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' }, module: { type: 'commonjs' } }];

const shared = {
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@platform/(.*)$': '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
};

module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // End-to-end tests wait for real brokers and restarts; each waits on outcomes with its own, shorter, limits.
  testTimeout: 180000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,test}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/support/global-teardown.ts',
    },
    // Its own platform on three-node broker clusters, with a global setup of its own: npm test runs it in a second Jest run.
    {
      ...shared,
      displayName: 'clusters',
      testMatch: ['<rootDir>/test/clusters/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/clusters/global-setup.ts',
      globalTeardown: '<rootDir>/test/clusters/global-teardown.ts',
    },
  ],
};
