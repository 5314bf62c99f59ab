import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

// graphql has no "exports" map: Node resolves `import 'graphql'` to its CommonJS build (as the server
// does in production, and as Apollo, type-graphql and GraphQL Armor do under Vitest too), while Vite
// would pick the ESM build for our own sources. Two copies cannot share a schema ("Cannot use
// GraphQLSchema from another module or realm"), so tests resolve it the way Node does.
const GRAPHQL_CJS = createRequire(new URL('./apps/server/package.json', import.meta.url)).resolve('graphql');

// Vitest 5's reporter uses Map.groupBy (Node 21+) when it prints failures; our machines run Node 20.
// Without this, a failing run crashes the reporter and hides which test failed.
if (!('groupBy' in Map)) {
  Object.defineProperty(Map, 'groupBy', {
    value<K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, V[]> {
      const groups = new Map<K, V[]>();
      let index = 0;
      for (const item of items) {
        const k = key(item, index++);
        groups.set(k, [...(groups.get(k) ?? []), item]);
      }
      return groups;
    },
  });
}

/** Run by `npm run test:images` (scripts/test-images.mjs), not by `npm test`. */
export const IMAGE_TESTS = 'e2e/images.test.ts';

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: GRAPHQL_CJS }] },
  test: {
    include: [
      'apps/*/src/**/*.test.ts',
      // The console's component tests; each sets its DOM environment in a `@vitest-environment` comment.
      'apps/*/src/**/*.test.tsx',
      'apps/*/test/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
    // Building the container images takes longer than the rest of `npm test` allows (docs/decisions/
    // 0161-podman-builds-images.md): `npm run test:images` runs it (vitest.images.config.ts).
    exclude: [...configDefaults.exclude, IMAGE_TESTS],
    globalSetup: ['./packages/testing/src/global-setup.ts'],
    testTimeout: 30_000,
    // A server stop may wait on several bounded steps (apps/server/src/outpost.ts).
    hookTimeout: 120_000,
    // Two cores: a few files at a time, each against its own database.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
  },
});
