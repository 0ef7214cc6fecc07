import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'test-artifacts/', 'dist/'] },
  js.configs.recommended,
  // Type-aware: a promise nobody awaits (no-floating-promises), a promise where a value belongs, an
  // await of something that is not one.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Activities and fakes are async to fit their interface; style objects hand out plain functions.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // The config files and the bootstrap script are plain JavaScript outside the TypeScript project.
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests read API responses and workflow histories as loose JSON, and fakes implement async
    // interfaces without awaiting: the promise rules hold there, the any-tracking ones do not.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Workflow code is replayed and must be deterministic: no Node built-ins, no Kubernetes client,
    // no clocks or randomness outside what @temporalio/workflow provides. The workflow bundle also
    // includes the pure domain it imports, so the same holds there.
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code must not use Node built-ins (it is replayed).' },
            { group: ['@kubernetes/*'], message: 'Workflows reach the cluster through activities.' },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'Workflows import @temporalio/workflow only.',
            },
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities by type only (proxyActivities<typeof activities>).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'process'],
    },
  },
);
