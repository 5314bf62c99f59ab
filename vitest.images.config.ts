import { defineConfig } from 'vitest/config';
import base, { IMAGE_TESTS } from './vitest.config';

// `npm run test:images` (scripts/test-images.mjs): only the container-image tests, with the same
// resolution and global setup (the test run's PostgreSQL) as `npm test`, and a report of their own.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [IMAGE_TESTS],
    exclude: [],
    reporters: ['default', ['json', { outputFile: '.test-results/vitest-images.json' }]],
  },
});
