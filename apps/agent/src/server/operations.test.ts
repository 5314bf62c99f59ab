import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from './operations.js';

/**
 * The agent's operations against the server's emitted schema (apps/server/schema.graphql): a renamed
 * field or argument on either side fails here rather than in a cluster.
 */
describe('agent protocol operations', () => {
  const schema = buildSchema(
    readFileSync(new URL('../../../server/schema.graphql', import.meta.url), 'utf8'),
  );
  const all: Array<{ name: string; query: string }> = Object.values(operations).filter(
    (value) => typeof value === 'object' && value !== null && 'query' in value,
  );

  it('covers every operation of PROTOCOL.md', () => {
    expect(all.map((operation) => operation.name).sort()).toEqual([
      'AgentHeartbeat',
      'AgentLease',
      'AgentWorkspaceEvents',
      'AgentWorkspaces',
      'RegisterAgent',
      'ReportAgentStatus',
      'ReportWorkspaceStatus',
      'RotateAgentCredential',
      'ServerInfo',
    ]);
  });

  it.each(all.map((operation) => [operation.name, operation] as const))(
    '%s validates against the schema',
    (_, operation) => {
      expect(validate(schema, parse(operation.query)).map((error) => error.message)).toEqual([]);
    },
  );
});
