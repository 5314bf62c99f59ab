import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '@outpost/testing';
import { createProvider, createWorld, useTestServer, type World } from './helpers.js';

/**
 * Rules 2 (exactly one default) and 4 (no workspace in a provider that does not allowlist its
 * organization) under heavy concurrency: 16 clients send randomized operations — create and delete
 * workspaces, remove and re-add allowlist entries, move the default — through the HTTP API, so up to 16
 * database connections work at once, while a watcher on its own connection checks both invariants the
 * whole time. Every answer must be a success or a refusal with a stable code: a deadlock or a
 * serialization failure would surface as an internal error.
 *
 * OUTPOST_STRESS_OPERATIONS sets how many operations: 2,000 in the test command, 10,000 in the long suite
 * (`npm run test:long`). Counts per operation and outcome,
 * deadlocks and lock waits are written to .test-results/rules-under-concurrency.json.
 */
const OPERATIONS = Number(process.env.OUTPOST_STRESS_OPERATIONS ?? 2_000);
const CLIENTS = 16;
const STABLE_REFUSALS = ['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PRECONDITION_FAILED'];
const RESULTS_DIR = fileURLToPath(new URL('../../../.test-results', import.meta.url));

const server = useTestServer();
let world: World;
let providers: string[];
let organizations: string[];
let admin: Credentials;
/** Members able to create workspaces, per organization. */
const creators = new Map<string, Credentials[]>();

beforeAll(async () => {
  world = await createWorld(server);
  admin = world.personas.siteAdmin.credentials;
  organizations = [world.org.id, world.otherOrg.id];
  creators.set(world.org.id, [world.personas.member.credentials, world.personas.orgAdmin.credentials]);
  creators.set(world.otherOrg.id, [world.personas.otherOrgMember.credentials]);
  providers = [world.builtInId];
  for (const name of ['stress-a', 'stress-b', 'stress-c'])
    providers.push((await createProvider(server, admin, name, { organizationIds: organizations })).id);
});

type Kind = 'createWorkspace' | 'deleteWorkspace' | 'removeFromAllowlist' | 'addToAllowlist' | 'setDefault';
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

describe('rules 2 and 4 under 16 concurrent connections', () => {
  const tally: Record<string, Record<string, number>> = {};
  let watcherChecks = 0;
  let deadlocks = 0;
  afterAll(() => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      path.join(RESULTS_DIR, 'rules-under-concurrency.json'),
      `${JSON.stringify({ operations: OPERATIONS, clients: CLIENTS, watcherChecks, deadlocks, tally }, null, 2)}\n`,
    );
  });

  it(`keeps exactly one default and no unallowlisted workspace over ${OPERATIONS} randomized operations`, async () => {
    const workspaces: string[] = [];
    const violations: string[] = [];
    const deadlocksSoFar = async () =>
      (
        await server.db.$queryRaw<Array<{ deadlocks: bigint }>>`
          SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`
      )[0]!.deadlocks;
    const deadlocksBefore = await deadlocksSoFar();

    let done = false;
    // The watcher reads both invariants over and over on its own connection while the clients run: each
    // read is one statement, so it sees one committed state, whatever is in flight.
    const watcher = (async () => {
      while (!done) {
        const [row] = await server.db.$queryRaw<Array<{ defaults: number; orphans: number }>>`
          SELECT (SELECT count(*)::int FROM workspace_providers WHERE is_default) AS defaults,
                 (SELECT count(*)::int FROM workspaces w WHERE w.desired_state <> 'DELETED' AND NOT EXISTS (
                    SELECT 1 FROM provider_allowlist_entries e
                    WHERE e.provider_id = w.provider_id AND e.organization_id = w.organization_id)) AS orphans`;
        watcherChecks++;
        if (row!.defaults !== 1) violations.push(`rule 2: ${row!.defaults} default providers`);
        if (row!.orphans !== 0) violations.push(`rule 4: ${row!.orphans} workspaces not allowlisted`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    let sent = 0;
    const operation = async (): Promise<void> => {
      const kind = pick<Kind>([
        'createWorkspace',
        'createWorkspace',
        'createWorkspace',
        'deleteWorkspace',
        'removeFromAllowlist',
        'addToAllowlist',
        'addToAllowlist',
        'setDefault',
      ]);
      const organizationId = pick(organizations);
      const providerId = pick(providers);
      let response;
      switch (kind) {
        case 'createWorkspace':
          response = await server.client.request(
            `mutation($o: ID!, $p: ID!, $n: String!) { createWorkspace(organizationId: $o, providerId: $p, name: $n) { id } }`,
            { o: organizationId, p: providerId, n: `ws-${sent}` },
            pick(creators.get(organizationId)!),
          );
          if (!response.errors) workspaces.push((response.data as any).createWorkspace.id);
          break;
        case 'deleteWorkspace':
          response = await server.client.request(
            `mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`,
            {
              id:
                workspaces.length > 0
                  ? workspaces.splice(Math.floor(Math.random() * workspaces.length), 1)[0]
                  : providerId,
            },
            admin,
          );
          break;
        case 'removeFromAllowlist':
          response = await server.client.request(
            `mutation($o: ID!, $p: ID!) { removeOrganizationFromProviderAllowlist(organizationId: $o, providerId: $p) { id } }`,
            { o: organizationId, p: providerId },
            admin,
          );
          break;
        case 'addToAllowlist':
          response = await server.client.request(
            `mutation($o: ID!, $p: ID!) { addOrganizationToProviderAllowlist(organizationId: $o, providerId: $p) { id } }`,
            { o: organizationId, p: providerId },
            admin,
          );
          break;
        case 'setDefault':
          response = await server.client.request(
            `mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`,
            { id: providerId },
            admin,
          );
          break;
      }
      const code = response.errors ? String(response.errors[0]?.extensions?.code) : 'OK';
      (tally[kind] ??= {})[code] = (tally[kind]![code] ?? 0) + 1;
      if (code !== 'OK' && !STABLE_REFUSALS.includes(code))
        violations.push(`${kind} answered ${code}: ${response.errors![0]!.message}`);
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (sent < OPERATIONS) {
          sent++;
          await operation();
        }
      }),
    );
    done = true;
    await watcher;

    deadlocks = Number((await deadlocksSoFar()) - deadlocksBefore);
    expect(violations.slice(0, 10)).toEqual([]);
    expect(deadlocks).toBe(0);
    expect(watcherChecks).toBeGreaterThan(10);
    // The races were really run: each kind of operation both succeeded and was refused by its rule.
    expect(tally.createWorkspace?.OK).toBeGreaterThan(0);
    expect(tally.removeFromAllowlist?.OK).toBeGreaterThan(0);
    expect(tally.removeFromAllowlist?.PRECONDITION_FAILED).toBeGreaterThan(0);
    expect(tally.setDefault?.OK).toBeGreaterThan(0);
  }, 600_000);
});
