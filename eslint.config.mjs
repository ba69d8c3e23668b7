import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.stack/**', 'dist/**', 'test/fixtures/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules,
            'ioredis',
            'pino',
            'prom-client',
            '@temporalio/activity',
            '@temporalio/client',
          ].map((name) => ({
            name,
            message: 'workflow code must stay deterministic: no Node built-ins, no I/O',
          })),
          patterns: [
            { group: ['node:*'], message: 'workflow code must not import Node built-ins' },
            {
              group: ['**/src/redis/**', '**/src/observability/**', '**/src/worker/**', '**/src/testing/**'],
              message: 'workflow code must not import I/O modules',
            },
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'workflows import activities as types only',
            },
          ],
        },
      ],
    },
  },
  {
    // Tool configuration in CommonJS (dependency-cruiser's).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
  {
    // Command-line entry points print to the terminal by design.
    files: [
      'src/cli/**/*.ts',
      'src/testing/*-main.ts',
      'src/demo/**/*.ts',
      'scripts/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // The CommonJS application the package test installs the tarball into (test/integration/package-tarball.test.ts).
    files: ['test/fixtures/consumer-cjs/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
