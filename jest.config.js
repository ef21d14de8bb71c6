/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // No JSG_* secrets from the developer's shell (test/support/clean-env.ts).
  setupFiles: ['<rootDir>/test/support/clean-env.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  testTimeout: 30000,
  // A real peer that outlived its test is listed and killed here (test/support/global-teardown.ts).
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // A handle leaked inside jest's own process (a timer, a socket) must not hold CI until its
  // time limit: jest still prints the "Force exiting" warning, which names the cure
  // (--detectOpenHandles), and the results are written before it exits.
  forceExit: true,
};
