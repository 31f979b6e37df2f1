/** Jest in ESM mode through ts-jest. Type-checking is `npm run typecheck`'s job. */
const tsJest = ['ts-jest', { useESM: true, tsconfig: '__tests__/tsconfig.json', diagnostics: false }]
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node'
}
export default {
  verbose: false,
  testTimeout: 120000,
  collectCoverageFrom: ['<rootDir>/src/**/*.ts'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/support/global-setup.mjs',
      globalTeardown: '<rootDir>/__tests__/support/global-teardown.mjs'
    }
  ]
}
