import { describe, expect, it } from 'vitest';
import { runPrismaCli } from '@outpost/prisma';
import { createTestDatabase } from '@outpost/testing';

describe('committed migrations', () => {
  it('match schema.prisma exactly (run `pnpm db:migrate:new <name>` after changing the schema)', async () => {
    // migrate diff replays the migrations into a throwaway shadow database on the test server.
    const database = await createTestDatabase();
    try {
      const { code, output } = await runPrismaCli(
        [
          'migrate',
          'diff',
          '--exit-code',
          '--from-migrations',
          'migrations',
          '--to-schema-datamodel',
          'schema.prisma',
        ],
        database.url,
      );
      expect(output).toContain('No difference detected');
      expect(code).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('are all applied by migrate deploy, leaving nothing pending', async () => {
    const database = await createTestDatabase();
    try {
      const { code, output } = await runPrismaCli(['migrate', 'status'], database.url);
      expect(output).toContain('Database schema is up to date');
      expect(code).toBe(0);
    } finally {
      await database.drop();
    }
  });
});
