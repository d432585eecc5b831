import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/.build/', 'data/', 'test-output/', 'scripts/tmp/', 'appPackage/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'botbuilder-dialogs',
              message:
                'Its index loads every prompt and their recognizers (17 MB of heap): import the class from its module (botbuilder-dialogs/lib/...). Types may come from the index.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
