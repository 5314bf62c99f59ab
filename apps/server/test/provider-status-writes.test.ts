import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * A structural guard for "one status machine": a provider's status, statusMessage, status history and
 * heartbeat times are written only by src/providers/provider-status.ts (changeProviderStatus and the
 * heartbeat's fast path), so every change writes its status event and notification on the database clock.
 * Behaviour tests cover the paths that exist (agent-protocol.test.ts); this one fails when a new path
 * writes those columns by itself, through Prisma or SQL.
 */

const SRC = path.resolve(import.meta.dirname, '../src');
const STATUS_MODULE = path.join(SRC, 'providers', 'provider-status.ts');

/** The WorkspaceProvider fields (Prisma) and columns (SQL) that only the status module writes. */
const STATUS_FIELDS = [
  'status',
  'statusMessage',
  'statusChangedAt',
  'lastHeartbeatAt',
  'lastReportAt',
  'statusEvents',
];
const STATUS_COLUMNS = /\b(status|status_message|status_changed_at|last_heartbeat_at|last_report_at)\b/;
const PROVIDER_WRITE_CALL = /\bworkspaceProvider\.(create|createMany|update|updateMany|upsert)$/;
const STATUS_EVENT_WRITE_CALL =
  /\bproviderStatusEvent\.(create|createMany|update|updateMany|upsert|delete|deleteMany)$/;
const PROVIDER_WRITE_SQL = /\b(UPDATE\s+workspace_providers|INSERT\s+INTO\s+workspace_providers)\b([\s\S]*)/i;
const STATUS_EVENT_WRITE_SQL = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+provider_status_events\b/i;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every place in one file that writes a status field or column, as `file:line: what`. */
function statusWritesIn(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${path.relative(SRC, file)}:${line + 1}: ${what}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(source).replace(/\s+/g, '');
      if (STATUS_EVENT_WRITE_CALL.test(callee)) at(node, callee);
      if (PROVIDER_WRITE_CALL.test(callee)) {
        // In what the call writes (`data`, or upsert's `create`/`update`), not in its `where`.
        const isProperty = (inner: ts.Node, names: string[]) =>
          (ts.isPropertyAssignment(inner) || ts.isShorthandPropertyAssignment(inner)) &&
          names.includes(inner.name.getText(source));
        const writesStatus = (inner: ts.Node): boolean =>
          isProperty(inner, STATUS_FIELDS) || (ts.forEachChild(inner, writesStatus) ?? false);
        const written = (inner: ts.Node): boolean =>
          isProperty(inner, ['data', 'create', 'update'])
            ? writesStatus(inner)
            : (ts.forEachChild(inner, written) ?? false);
        if (node.arguments.some(written)) at(node, `${callee} with a status field`);
      }
    }
    if (
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isStringLiteral(node) ||
      ts.isTemplateExpression(node)
    ) {
      const sql = node.getText(source);
      const providerWrite = PROVIDER_WRITE_SQL.exec(sql);
      if (providerWrite && STATUS_COLUMNS.test(providerWrite[2] ?? ''))
        at(node, 'SQL writing a status column');
      if (STATUS_EVENT_WRITE_SQL.test(sql)) at(node, 'SQL writing provider_status_events');
      if (ts.isTemplateExpression(node)) return; // its spans are part of the text just checked
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('provider status writes', () => {
  it('happen only in the status module', () => {
    const files = sourceFiles(SRC).filter((file) => file !== STATUS_MODULE);
    expect(files.length).toBeGreaterThan(20);
    const writes = files.flatMap((file) => statusWritesIn(file, readFileSync(file, 'utf8')));
    expect(writes).toEqual([]);
  });

  it('recognises each way of writing them (the guard itself)', () => {
    const samples = {
      prismaUpdate: `tx.workspaceProvider.updateMany({ where: { id }, data: { statusMessage: m } })`,
      prismaCreate: `tx.workspaceProvider.create({ data: { name, statusEvents: { create: {} } } })`,
      statusEvent: `tx.providerStatusEvent.create({ data: {} })`,
      rawUpdate: 'tx.$executeRaw`UPDATE workspace_providers SET last_heartbeat_at = ${at} WHERE id = ${id}`',
      rawInsert: `pool.query('INSERT INTO workspace_providers (id, status_message) VALUES ($1, $2)')`,
      rawEvent: 'tx.$executeRaw`INSERT INTO provider_status_events (id) VALUES (${id})`',
    };
    for (const [name, sample] of Object.entries(samples)) {
      expect(statusWritesIn(path.join(SRC, `${name}.ts`), sample), name).toHaveLength(1);
    }
    // Reads and writes of other columns are not status writes.
    const harmless = [
      `tx.workspaceProvider.findMany({ where: { status: 'READY' } })`,
      `tx.workspaceProvider.updateMany({ where: { status: 'READY' }, data: { cordoned: true } })`,
      'tx.$queryRaw`SELECT status_message FROM workspace_providers`',
      "pool.query('UPDATE workspace_providers SET is_default = true')",
    ];
    for (const sample of harmless) expect(statusWritesIn(path.join(SRC, 'x.ts'), sample), sample).toEqual([]);
  });
});
