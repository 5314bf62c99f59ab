import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config, { outputDir } from '../codegen.js';

describe('committed CLI GraphQL types (src/generated)', () => {
  it('are what graphql-codegen emits from schema.graphql and the operations (run `pnpm --filter @outpost/cli codegen`)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-cli-codegen-'));
    try {
      const [target] = Object.values(config.generates);
      await generate({ ...config, silent: true, generates: { [`${dir}/`]: target! } }, true);
      const committed = readdirSync(outputDir).sort();
      expect(readdirSync(dir).sort()).toEqual(committed);
      for (const file of committed) {
        expect(readFileSync(path.join(dir, file), 'utf8'), file).toBe(
          readFileSync(path.join(outputDir, file), 'utf8'),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
