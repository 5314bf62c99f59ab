import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

// Absolute paths: the drift test (test/codegen.test.ts) runs this config from the repository root.
const here = path.dirname(fileURLToPath(import.meta.url));

/** Typed documents for the operations colocated with the components (`graphql()` calls in src/). */
export const outputDir = path.join(here, 'src/generated');

const config: CodegenConfig = {
  schema: path.join(here, '../server/schema.graphql'),
  documents: [path.join(here, 'src/**/*.{ts,tsx}'), `!${path.join(outputDir, '**')}`],
  ignoreNoDocuments: false,
  generates: {
    [`${outputDir}/`]: {
      preset: 'client',
      // Components receive plain typed objects; Apollo's cache, not fragment masking, keeps rows in sync.
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTimeISO: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
