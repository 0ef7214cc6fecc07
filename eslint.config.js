import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
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
