// One lint setup for the whole repo, run by `npm test` with --max-warnings 0. Each rule beyond the
// recommended sets says why it is here.
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** `it.<modifier>`, `test.concurrent.<modifier>`, `test.describe.parallel.<modifier>`: a test runner's modifier. */
function testModifier(modifiers) {
  const runner = '/^(it|test|describe|suite|bench)$/';
  return (
    `MemberExpression[property.name=/^(${modifiers})$/]` +
    `:matches([object.name=${runner}], [object.object.name=${runner}], [object.object.object.name=${runner}])`
  );
}

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '.test-results/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: {
      parserOptions: {
        // Type-aware rules: a promise nobody awaits or catches is an unhandled rejection waiting to
        // happen (a crash in Node), and one handed where a void callback is expected is never awaited.
        projectService: {
          // Build and tool configs that no package's tsconfig includes.
          allowDefaultProject: [
            'vitest.config.ts',
            'vitest.images.config.ts',
            'prisma/prisma.config.ts',
            'apps/console/codegen.ts',
            'apps/console/vite.config.ts',
            'apps/console/test/codegen.test.ts',
          ],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        Headers: 'readonly',
      },
    },
    rules: {
      // Unused names are dead code; a leading underscore marks a parameter kept for its position.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Errors are part of the API: throw OutpostError (graphql/errors.ts) or Error, never strings.
      'no-throw-literal': 'error',
      // Skipped or focused tests are defects: they hide behaviour nobody checks any more. Vitest's and
      // Playwright's forms alike, however chained (`it.only`, `test.concurrent.skip`, `describe.skipIf(…)`,
      // `test.describe.only`); eslint-rules.test.ts proves each one is caught.
      'no-restricted-syntax': [
        'error',
        {
          selector: testModifier('only'),
          message: 'Focused tests skip the rest of the suite.',
        },
        {
          selector: testModifier('skip|skipIf|runIf|todo|fixme'),
          message: 'A skipped test is a defect: fix or delete it.',
        },
      ],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['apps/server/src/**/*.ts'],
    rules: {
      // Resolvers and services read the database through the Prisma client they are handed (context
      // or argument), never a module-level singleton, so tests and replicas wire their own.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'pg',
              message: 'Use the Prisma client from the context; only events/ and http/ talk to pg directly.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read GraphQL responses as loosely typed JSON; the assertions are the type check.
    files: ['**/*.test.ts', '**/test/**/*.ts', 'packages/testing/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The admin console runs in the browser. Hook rules catch stale closures and conditional hooks,
    // React bugs that type-checking cannot see.
    files: ['apps/console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // The GraphiQL page runs in the browser.
    files: ['packages/graphiql-page/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['apps/server/src/events/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
