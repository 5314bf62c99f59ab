import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateKyselyTypes, KYSELY_TYPES_FILE } from '@outpost/prisma';

describe('committed Kysely row types', () => {
  it('are what prisma-kysely makes of schema.prisma (run `pnpm --filter @outpost/prisma run gen:kysely`)', async () => {
    expect(await generateKyselyTypes()).toBe(readFileSync(KYSELY_TYPES_FILE, 'utf8'));
  }, 60_000);
});
