import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

// Absolute paths: the drift test (test/codegen.test.ts) runs this config from the repository root.
const here = path.dirname(fileURLToPath(import.meta.url));

/** Typed documents for the operations the commands send (`graphql()` calls in src/). */
export const outputDir = path.join(here, 'src/generated');

// The same generator and settings as the console (apps/console/codegen.ts), so both clients read one
// schema the same way; only the import extension differs (the CLI is Node ESM, resolved by NodeNext).
const config: CodegenConfig = {
  schema: path.join(here, '../server/schema.graphql'),
  documents: [path.join(here, 'src/**/*.ts'), `!${path.join(outputDir, '**')}`],
  ignoreNoDocuments: false,
  generates: {
    [`${outputDir}/`]: {
      preset: 'client',
      // Commands print plain objects; fragments only share field lists between documents.
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        importExtension: '.js',
        scalars: { DateTimeISO: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
