import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '@outpost/testing';
import { createProvider, createWorld, useTestServer, type World } from './helpers.js';
import { sleep } from './assertions.js';

// Rule 4's race: removing an organization from a provider's allowlist while members of that organization
// create workspaces in it. Whatever the interleaving, no workspace may end up in a provider that does
// not allowlist its organization. Each round races several removals against several creations through
// the HTTP API and then checks that the round ended in one of the two consistent outcomes:
//
//   REMOVED — one removal won before any creation: the entry is gone, every other removal found nothing
//             to remove (NOT_FOUND) and every creation was refused (RULE_5_NOT_ALLOWLISTED);
//   KEPT    — a creation won first: every removal was refused (RULE_4_ALLOWLIST_IN_USE), the entry is
//             still there and every creation succeeded.

const server = useTestServer();
let world: World;

const REMOVE = `mutation($p: ID!, $o: ID!) {
  removeOrganizationFromProviderAllowlist(providerId: $p, organizationId: $o) { id } }`;
const CREATE = `mutation($o: ID!, $p: ID!, $n: String!) {
  createWorkspace(organizationId: $o, providerId: $p, name: $n) { id } }`;

const REMOVALS = 3;
const CREATIONS = 4;
const MIN_ROUNDS = 30;
const MAX_ROUNDS = 90;

type Outcome = 'REMOVED' | 'KEPT';
type Timed = { response: any; start: number; end: number };

async function timed(send: () => Promise<any>): Promise<Timed> {
  const start = performance.now();
  const response = await send();
  return { response, start, end: performance.now() };
}

const codeOf = (response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  response.errors?.[0]?.extensions?.code ?? 'OK';
const ruleOf = (response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  response.errors?.[0]?.extensions?.rule;

beforeAll(async () => {
  world = await createWorld(server);
});

describe('rule 4: removing an organization from an allowlist races safely with workspace creation', () => {
  it('never leaves a workspace whose organization is not allowlisted there', async () => {
    const admin = world.personas.siteAdmin.credentials;
    const members: Credentials[] = [world.personas.member.credentials, world.personas.orgAdmin.credentials];
    // Outcomes of the rounds whose requests overlapped in time: only those exercise the race.
    const outcomes: Outcome[] = [];

    const playRound = async (
      round: number,
      removalDelayMs: number,
    ): Promise<{ outcome: Outcome; raced: boolean }> => {
      const provider = await createProvider(server, admin, `race-${round}`, {
        organizationIds: [world.org.id],
      });
      const variables = { p: provider.id, o: world.org.id };
      // Removals and creations interleave in the order they are sent; the removals start after a head
      // start for the creations that varies per round (negative: the removals go first).
      const removeAfter = Math.max(0, removalDelayMs);
      const createAfter = Math.max(0, -removalDelayMs);
      const requests: Array<Promise<Timed & { kind: 'remove' | 'create' }>> = [];
      for (let i = 0; i < Math.max(REMOVALS, CREATIONS); i++) {
        if (i < CREATIONS) {
          requests.push(
            sleep(createAfter + Math.random() * 2).then(async () => ({
              kind: 'create' as const,
              ...(await timed(() =>
                server.client.request(
                  CREATE,
                  { o: world.org.id, p: provider.id, n: `ws-${round}-${i}` },
                  members[i % members.length],
                ),
              )),
            })),
          );
        }
        if (i < REMOVALS) {
          requests.push(
            sleep(removeAfter + Math.random() * 2).then(async () => ({
              kind: 'remove' as const,
              ...(await timed(() => server.client.request(REMOVE, variables, admin))),
            })),
          );
        }
      }
      const results = await Promise.all(requests);
      const removals = results.filter((r) => r.kind === 'remove').map((r) => r.response);
      const creations = results.filter((r) => r.kind === 'create').map((r) => r.response);
      // The round raced if some removal was in flight while some creation was.
      const raced = results.some(
        (a) =>
          a.kind === 'remove' &&
          results.some((b) => b.kind === 'create' && a.start < b.end && b.start < a.end),
      );
      const context = JSON.stringify({ round, removalDelayMs, results }, null, 1);

      const entry = await server.db.providerAllowlistEntry.findUnique({
        where: { providerId_organizationId: { providerId: provider.id, organizationId: world.org.id } },
      });
      const workspaces = await server.db.workspace.count({ where: { providerId: provider.id } });
      const removedBy = removals.filter((r) => codeOf(r) === 'OK').length;
      if (removedBy > 0) {
        expect(removedBy, context).toBe(1);
        expect(removals.filter((r) => codeOf(r) !== 'OK').map(codeOf), context).toEqual(
          Array(REMOVALS - 1).fill('NOT_FOUND'),
        );
        expect(creations.map(ruleOf), context).toEqual(Array(CREATIONS).fill('RULE_5_NOT_ALLOWLISTED'));
        expect(entry, context).toBeNull();
        expect(workspaces, context).toBe(0);
        return { outcome: 'REMOVED', raced };
      }
      expect(removals.map(ruleOf), context).toEqual(Array(REMOVALS).fill('RULE_4_ALLOWLIST_IN_USE'));
      expect(creations.map(codeOf), context).toEqual(Array(CREATIONS).fill('OK'));
      expect(entry, context).not.toBeNull();
      expect(workspaces, context).toBe(CREATIONS);
      return { outcome: 'KEPT', raced };
    };

    for (let round = 0; round < MAX_ROUNDS; round++) {
      const seen = new Set(outcomes);
      if (round >= MIN_ROUNDS && seen.size === 2) break;
      // Head starts from -6 to +6 ms make either side win some rounds. Should one outcome still be
      // missing after MIN_ROUNDS, later rounds lean towards it (the race is the same, only who tends to
      // arrive first changes).
      let removalDelayMs = Math.random() * 12 - 6;
      if (round >= MIN_ROUNDS) removalDelayMs += seen.has('REMOVED') ? 4 : -4;
      const { outcome, raced } = await playRound(round, removalDelayMs);
      if (raced) outcomes.push(outcome);
    }

    // The invariant, over everything the rounds left behind.
    const orphans = await server.db.$queryRaw<Array<{ id: string }>>`
      SELECT w.id FROM workspaces w
      WHERE w.desired_state <> 'DELETED'
        AND NOT EXISTS (SELECT 1 FROM provider_allowlist_entries e
                        WHERE e.provider_id = w.provider_id AND e.organization_id = w.organization_id)`;
    expect(orphans).toEqual([]);
    // Both outcomes occurred in rounds where the operations overlapped: the race was really run.
    expect(outcomes).toContain('REMOVED');
    expect(outcomes).toContain('KEPT');
  });
});
