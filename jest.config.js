// Two projects: the whole suite on Express 5, and the HTTP suite again on Express 4 (`express` mapped to the
// `express4` alias), so both peer versions are proven by every `npm test`.

/** @type {import('ts-jest').TsJestTransformerOptions} */
const tsJest = { diagnostics: false };

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', tsJest] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...base,
      displayName: 'express5',
      globals: { EXPRESS_MAJOR: 5 },
      testMatch: ['<rootDir>/spec/**/*.spec.ts', '<rootDir>/example-app/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
    {
      ...base,
      displayName: 'express4',
      globals: { EXPRESS_MAJOR: 4 },
      testMatch: ['<rootDir>/spec/http/**/*.spec.ts'],
      moduleNameMapper: { '^express$': '<rootDir>/node_modules/express4' },
    },
  ],
};
