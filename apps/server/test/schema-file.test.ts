import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildOutpostSchema } from '../src/graphql/schema.js';
import { createNotificationPubSub } from '../src/events/notifications.js';

describe('committed schema.graphql', () => {
  it('is what the code emits (run `pnpm gen` after changing resolvers or types)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-schema-'));
    try {
      const emitted = path.join(dir, 'schema.graphql');
      await buildOutpostSchema(createNotificationPubSub(), emitted);
      const committed = readFileSync(fileURLToPath(new URL('../schema.graphql', import.meta.url)), 'utf8');
      expect(readFileSync(emitted, 'utf8')).toBe(committed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
