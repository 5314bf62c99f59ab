/**
 * Writes a new migration from the difference between the committed migrations and schema.prisma:
 *   DATABASE_URL=postgresql://… pnpm db:migrate:new <name>
 * (`prisma migrate dev` cannot be used with the WebAssembly schema engine; see prisma.config.ts.)
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runPrismaCli } from '../index.js';

const name = process.argv[2];
const databaseUrl = process.env.DATABASE_URL;
if (!name || !/^[a-z0-9_]+$/.test(name) || !databaseUrl) {
  console.error('usage: DATABASE_URL=postgresql://… pnpm db:migrate:new <snake_case_name>');
  process.exit(2);
}
const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));
const first = readdirSync(migrationsDir, { withFileTypes: true }).every((entry) => !entry.isDirectory());
const { code, stdout, output } = await runPrismaCli(
  [
    'migrate',
    'diff',
    first ? '--from-empty' : '--from-migrations',
    ...(first ? [] : ['migrations']),
    '--to-schema-datamodel',
    'schema.prisma',
    '--script',
  ],
  databaseUrl,
);
if (code !== 0) {
  console.error(output);
  process.exit(1);
}
const sql = stdout;
if (!sql.trim() || sql.includes('-- This is an empty migration.')) {
  console.log('schema.prisma and the migrations agree: nothing to write.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir);
writeFileSync(path.join(dir, 'migration.sql'), sql);
console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
