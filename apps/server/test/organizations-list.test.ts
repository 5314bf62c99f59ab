import { beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '@outpost/testing';
import { createProvider, createWorld, useStatementCountingServer, type World } from './helpers.js';

// The organizations list as the console's organizations page and the workspace form read it, with each
// organization's members and the providers it may use: batch loaders (src/graphql/loaders.ts), so the
// request costs a fixed number of SQL statements however many organizations there are.

const ORGANIZATIONS = `{
  organizations {
    id slug
    members { userId email name role }
    allowedProviders { id name isDefault }
  }
}`;

interface OrganizationView {
  id: string;
  slug: string;
  members: Array<{ userId: string; email: string; name: string; role: string }>;
  allowedProviders: Array<{ id: string; name: string; isDefault: boolean }>;
}

describe('the organizations list costs a fixed number of SQL statements', () => {
  const server = useStatementCountingServer();
  let world: World;
  let extraProvider: { id: string; name: string };

  beforeAll(async () => {
    world = await createWorld(server);
    // A provider that sorts before built-in by name: the default still comes first.
    extraProvider = await createProvider(server, world.personas.siteAdmin.credentials, 'aaa-extra', {
      organizationIds: [world.org.id],
    });
  });

  async function organizations(as: Credentials): Promise<OrganizationView[]> {
    const response = await server.client.request<{ organizations: OrganizationView[] }>(
      ORGANIZATIONS,
      {},
      as,
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!.organizations;
  }

  /** Requests the list as the site admin; returns it and the SQL statements the server sent for it. */
  async function statementsFor(): Promise<{ list: OrganizationView[]; statements: string[] }> {
    const admin = world.personas.siteAdmin.credentials;
    // Warm up first: the token's advisory lastUsedAt is written on its first use only.
    await organizations(admin);
    const { result: list, statements } = await server.statementsDuring(() => organizations(admin));
    return { list, statements };
  }

  /** `count` more organizations, each with the member and the org admin, allowed on both providers. */
  async function seedOrganizations(count: number) {
    const slugs = Array.from({ length: count }, (_, i) => `seeded-${String(i).padStart(3, '0')}`);
    await server.db.organization.createMany({ data: slugs.map((slug) => ({ name: slug, slug })) });
    const seeded = await server.db.organization.findMany({ where: { slug: { in: slugs } } });
    const { member, orgAdmin } = world.personas;
    await server.db.membership.createMany({
      data: seeded.flatMap((organization) => [
        { organizationId: organization.id, userId: member.userId!, role: 'MEMBER' as const },
        { organizationId: organization.id, userId: orgAdmin.userId!, role: 'ADMIN' as const },
      ]),
    });
    await server.db.providerAllowlistEntry.createMany({
      data: seeded.flatMap((organization) => [
        { organizationId: organization.id, providerId: world.builtInId },
        { organizationId: organization.id, providerId: extraProvider.id },
      ]),
    });
  }

  it('is the same for 2 organizations as for 20, and each gets its own members and providers', async () => {
    expect(await server.db.organization.count()).toBe(2);
    const small = await statementsFor();
    const [org, otherOrg] = [world.org, world.otherOrg].map((wanted) =>
      small.list.find((organization) => organization.id === wanted.id)!,
    );
    const emails = (organization: OrganizationView) => organization.members.map((m) => m.email);
    const providerNames = (organization: OrganizationView) =>
      organization.allowedProviders.map((p) => p.name);
    expect(emails(org!)).toEqual([world.personas.member.email, world.personas.orgAdmin.email].sort());
    expect(emails(otherOrg!)).toEqual([world.personas.otherOrgMember.email]);
    expect(providerNames(org!)).toEqual(['built-in', 'aaa-extra']);
    expect(providerNames(otherOrg!)).toEqual(['built-in']);

    await seedOrganizations(18);
    const large = await statementsFor();
    expect(large.list).toHaveLength(20);
    for (const organization of large.list.filter((o) => o.slug.startsWith('seeded-'))) {
      expect(organization.members.map((m) => [m.email, m.role])).toEqual(
        [
          [world.personas.member.email, 'MEMBER'],
          [world.personas.orgAdmin.email, 'ADMIN'],
        ].sort(([a], [b]) => a!.localeCompare(b!)),
      );
      expect(providerNames(organization)).toEqual(['built-in', 'aaa-extra']);
    }

    const shape = (sql: string[]) => sql.map((s) => s.replace(/\s+/g, ' ').trim().slice(0, 120));
    expect(large.statements.length, JSON.stringify(shape(large.statements), null, 1)).toBe(
      small.statements.length,
    );
    // Authentication, the organizations, and one batch per nested list.
    expect(small.statements.length, JSON.stringify(shape(small.statements), null, 1)).toBeLessThanOrEqual(6);
  });

  it('shows a member only their organizations, with the same lists', async () => {
    const list = await organizations(world.personas.otherOrgMember.credentials);
    expect(list.map((o) => o.id)).toEqual([world.otherOrg.id]);
    expect(list[0]!.members.map((m) => m.email)).toEqual([world.personas.otherOrgMember.email]);
    expect(list[0]!.allowedProviders.map((p) => p.name)).toEqual(['built-in']);
  });
});
