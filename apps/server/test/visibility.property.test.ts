import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, type OrganizationRole, type SiteRole } from '@outpost/prisma';
import { createTestDatabase } from '@outpost/testing';
import type { Viewer } from '../src/graphql/context.js';
import { providerVisibility, usableProvider } from '../src/visibility/provider.js';
import { organizationVisibility } from '../src/visibility/organization.js';
import { workspaceVisibility } from '../src/visibility/workspace.js';
import { auditEventVisibility } from '../src/visibility/audit-event.js';

// Each visibility rule (src/visibility/) has two forms: the SQL condition that lists, counts and lookups
// send, and the check over a row already read that event delivery and nested fields use. Over generated
// worlds — organizations, memberships and their roles, allowlists, provider statuses and cordons,
// workspaces — both forms must pick the same rows for every kind of viewer, in real PostgreSQL.

const STATUSES = ['PENDING', 'READY', 'ERROR'] as const;

interface World {
  organizations: number;
  providers: Array<{ status: (typeof STATUSES)[number]; cordoned: boolean; allowlist: number[] }>;
  workspaces: Array<{ organization: number; provider: number }>;
  /** The viewer's organizations (indexes) and roles there, and its site role. */
  memberships: Array<{ organization: number; role: OrganizationRole }>;
}

const world: fc.Arbitrary<World> = fc.integer({ min: 1, max: 4 }).chain((organizations) => {
  const organization = fc.integer({ min: 0, max: organizations - 1 });
  return fc.record({
    organizations: fc.constant(organizations),
    providers: fc.array(
      fc.record({
        status: fc.constantFrom(...STATUSES),
        cordoned: fc.boolean(),
        allowlist: fc.uniqueArray(organization, { maxLength: organizations }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    workspaces: fc.array(fc.record({ organization, provider: fc.nat({ max: 4 }) }), { maxLength: 4 }),
    memberships: fc.uniqueArray(
      fc.record({ organization, role: fc.constantFrom<OrganizationRole>('ADMIN', 'MEMBER') }),
      { selector: (m) => m.organization, maxLength: organizations },
    ),
  });
});

/**
 * The personas of test/helpers.ts as viewers of one world. Anonymous callers never reach a rule (the
 * authorization layer refuses them first); as a viewer with no role anywhere they must see nothing.
 */
function personas(memberships: World['memberships'], organizationIds: string[]) {
  const viewer = (siteRole: SiteRole, roles: Array<[string, OrganizationRole]>): Viewer => ({
    id: randomUUID(),
    email: 'persona@example.com',
    name: 'Persona',
    siteRole,
    organizationRoles: new Map(roles),
    credential: { kind: 'session', id: randomUUID() },
  });
  const own = memberships.map((m): [string, OrganizationRole] => [organizationIds[m.organization]!, m.role]);
  return {
    anonymous: viewer('MEMBER', []),
    // An organization that exists but holds nothing of this world.
    otherOrgMember: viewer('MEMBER', [[organizationIds.at(-1)!, 'MEMBER']]),
    member: viewer(
      'MEMBER',
      own.map(([id]) => [id, 'MEMBER']),
    ),
    orgAdmin: viewer('MEMBER', own),
    siteManager: viewer('MANAGER', own),
    siteAdmin: viewer('ADMIN', []),
  };
}

describe('each visibility rule decides the same in SQL and in memory', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = createDatabase(created.url);
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('for providers, usable providers, organizations, workspaces and audit events, for every persona', async () => {
    const { db } = database;
    const owner = randomUUID();
    await db
      .insertInto('users')
      .values({
        id: owner,
        email: 'owner@example.com',
        name: 'Owner',
        password_hash: 'x',
        updated_at: new Date(),
      })
      .execute();
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        await db.deleteFrom('workspaces').execute();
        await db.deleteFrom('workspace_providers').execute();
        await db.deleteFrom('organizations').execute();
        await db.deleteFrom('audit_events').execute();
        // One organization more than the world uses: the other organization's member belongs to it.
        const organizationIds = Array.from({ length: w.organizations + 1 }, () => randomUUID());
        await db
          .insertInto('organizations')
          .values(
            organizationIds.map((id, i) => ({
              id,
              name: `Org ${i}`,
              slug: `org-${i}`,
              updated_at: new Date(),
            })),
          )
          .execute();
        const providers = w.providers.map((p, i) => ({
          id: randomUUID(),
          ...p,
          allowlist: p.allowlist.map((o) => organizationIds[o]!),
          name: `p-${i}`,
        }));
        await db
          .insertInto('workspace_providers')
          .values(
            providers.map((p) => ({
              id: p.id,
              name: p.name,
              display_name: p.name,
              region: 'r',
              namespace: 'ns',
              status: p.status,
              cordoned: p.cordoned,
              updated_at: new Date(),
            })),
          )
          .execute();
        const entries = providers.flatMap((p) =>
          p.allowlist.map((organizationId) => ({ provider_id: p.id, organization_id: organizationId })),
        );
        if (entries.length > 0) await db.insertInto('provider_allowlist_entries').values(entries).execute();
        const workspaces = w.workspaces.map((ws, i) => ({
          id: randomUUID(),
          name: `ws-${i}`,
          owner_id: owner,
          organization_id: organizationIds[ws.organization]!,
          provider_id: providers[ws.provider % providers.length]!.id,
          updated_at: new Date(),
        }));
        if (workspaces.length > 0) await db.insertInto('workspaces').values(workspaces).execute();
        await db
          .insertInto('audit_events')
          .values({ id: randomUUID(), action: 'x', target_type: 'X' })
          .execute();

        for (const [persona, viewer] of Object.entries(personas(w.memberships, organizationIds))) {
          const ids = async (rows: Promise<Array<{ id: string }>>) => (await rows).map((r) => r.id).sort();
          const label = (what: string) => `${what} for ${persona} in ${JSON.stringify(w)}`;

          const providersBySql = await ids(
            db
              .selectFrom('workspace_providers')
              .select('id')
              .where(providerVisibility.where(viewer))
              .execute(),
          );
          const providersInMemory = providers
            .filter((p) => providerVisibility.allows(viewer, p))
            .map((p) => p.id)
            .sort();
          expect(providersBySql, label('providers')).toEqual(providersInMemory);

          const organizationsBySql = await ids(
            db.selectFrom('organizations').select('id').where(organizationVisibility.where(viewer)).execute(),
          );
          const organizationsInMemory = organizationIds
            .filter((id) => organizationVisibility.allows(viewer, { id }))
            .sort();
          expect(organizationsBySql, label('organizations')).toEqual(organizationsInMemory);

          const workspacesBySql = await ids(
            db.selectFrom('workspaces').select('id').where(workspaceVisibility.where(viewer)).execute(),
          );
          const workspacesInMemory = workspaces
            .filter((ws) => workspaceVisibility.allows(viewer, { organizationId: ws.organization_id }))
            .map((ws) => ws.id)
            .sort();
          expect(workspacesBySql, label('workspaces')).toEqual(workspacesInMemory);

          const auditBySql = await db
            .selectFrom('audit_events')
            .select('id')
            .where(auditEventVisibility.where(viewer))
            .execute();
          expect(auditBySql.length > 0, label('audit events')).toBe(auditEventVisibility.allows(viewer, {}));
        }

        for (const organizationId of organizationIds) {
          const usableBySql = (
            await db
              .selectFrom('workspace_providers')
              .select('id')
              .where(usableProvider.where(organizationId))
              .execute()
          )
            .map((r) => r.id)
            .sort();
          const usableInMemory = providers
            .filter((p) => usableProvider.allows(organizationId, p))
            .map((p) => p.id)
            .sort();
          expect(usableBySql, `usable providers of an organization in ${JSON.stringify(w)}`).toEqual(
            usableInMemory,
          );
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
