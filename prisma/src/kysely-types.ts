import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Where the committed Kysely row types live (the `kysely` generator's output in schema.prisma). */
export const KYSELY_TYPES_FILE = path.join(packageDir, 'src', 'generated-kysely', 'types.ts');

/**
 * What prisma-kysely makes of schema.prisma right now, without touching the committed file: the schema
 * is copied to a scratch folder with only its `kysely` generator, pointed there. The drift check
 * (apps/server/test/kysely-types.test.ts) compares this with KYSELY_TYPES_FILE, as schema-file.test.ts
 * does for schema.graphql. `build` never regenerates the committed file, so a fresh clone checks what
 * was committed.
 */
export async function generateKyselyTypes(): Promise<string> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'outpost-kysely-'));
  try {
    const require = createRequire(import.meta.url);
    const generatorBin = require.resolve('prisma-kysely/dist/bin.js');
    const schema = readFileSync(path.join(packageDir, 'schema.prisma'), 'utf8')
      // Only the kysely generator: the client generator would write into this package.
      .replace(/generator client \{[^}]*\}/, '')
      .replace(
        /(generator kysely \{[^}]*?)provider\s*=\s*"prisma-kysely"/,
        `$1provider = "node ${generatorBin}"`,
      )
      .replace(/(generator kysely \{[^}]*?)output\s*=\s*"[^"]*"/, `$1output = "${scratch}"`);
    const schemaFile = path.join(scratch, 'schema.prisma');
    writeFileSync(schemaFile, schema);
    const cli = require.resolve('prisma/build/index.js');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [cli, 'generate', '--schema', schemaFile, '--config', path.join(packageDir, 'prisma.config.ts')],
        {
          cwd: packageDir,
          env: {
            ...process.env,
            DATABASE_URL: 'postgresql://localhost/unused',
            CHECKPOINT_DISABLE: '1',
            PRISMA_HIDE_UPDATE_MESSAGE: '1',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`prisma generate failed (exit ${code}):\n${text}`)),
      );
    });
    return readFileSync(path.join(scratch, 'types.ts'), 'utf8');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
