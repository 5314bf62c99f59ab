import { beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@outpost/prisma';
import { createTestDatabase, type Credentials } from '@outpost/testing';
import { ensureBuiltInProvider } from '../src/database/bootstrap.js';
import { createProvider, createWorld, setProviderStatus, useTestServer, type World } from './helpers.js';
import { databaseSnapshot, expectGraphQLError, expectNoChange, UNKNOWN_ID } from './assertions.js';

// One `describe` per numbered rule of docs/architecture.md ("Rules"), each checked through the GraphQL API
// the way the console and CLI use it. The describes share one database and run in order; each creates
// its own providers (and, where alternatives matter, its own organization) so they do not depend on
// one another, and any change to the default provider is undone before the describe ends.

const server = useTestServer();
let world: World;
let admin: Credentials;
let member: Credentials;

beforeAll(async () => {
  world = await createWorld(server);
  admin = world.personas.siteAdmin.credentials;
  member = world.personas.member.credentials;
});

const gql = (query: string, variables: Record<string, unknown> = {}, as: Credentials = admin) =>
  server.client.request<any>(query, variables, as);

const PROVIDER_FIELDS = 'id name kind isDefault status cordoned';
const PROVIDER_BY_NAME = `query($name: String!) { workspaceProvider(name: $name) { ${PROVIDER_FIELDS} } }`;
const PROVIDER_BY_ID = `query($id: ID!) { workspaceProvider(id: $id) { ${PROVIDER_FIELDS} } }`;
const LIST_PROVIDERS = `{
  workspaceProviders(first: 100) { totalCount edges { node { ${PROVIDER_FIELDS} } } } }`;
const DELETE_PROVIDER = `mutation($id: ID!) { deleteWorkspaceProvider(id: $id) { id name } }`;
const RENAME_PROVIDER = `mutation($id: ID!, $name: String!) {
  renameWorkspaceProvider(id: $id, name: $name) { id name } }`;
const SET_DEFAULT = `mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id name isDefault } }`;
const CORDON = `mutation($id: ID!, $reason: String!) {
  cordonWorkspaceProvider(id: $id, reason: $reason) { id cordoned } }`;
const UNCORDON = `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id cordoned } }`;
const CREATE_PROVIDER = `mutation($input: CreateWorkspaceProviderInput!) {
  createWorkspaceProvider(input: $input) { provider { id name } } }`;
const UPDATE_PROVIDER = `mutation($id: ID!, $input: UpdateWorkspaceProviderInput!) {
  updateWorkspaceProvider(id: $id, input: $input) { id } }`;
const ALLOWLIST_ADD = `mutation($p: ID!, $o: ID!) {
  addOrganizationToProviderAllowlist(providerId: $p, organizationId: $o) { id } }`;
const ALLOWLIST_REMOVE = `mutation($p: ID!, $o: ID!) {
  removeOrganizationFromProviderAllowlist(providerId: $p, organizationId: $o) { id } }`;
const ALLOWED_ORGANIZATIONS = `query($id: ID!) {
  workspaceProvider(id: $id) { allowedOrganizations { id slug } } }`;
const CREATE_WORKSPACE = `mutation($o: ID!, $n: String!, $p: ID) {
  createWorkspace(organizationId: $o, name: $n, providerId: $p) {
    id name providerId organizationId ownerId
  }
}`;
const DELETE_WORKSPACE = `mutation($id: ID!) { deleteWorkspace(id: $id) { id desiredState } }`;
const CREATE_ORGANIZATION = `mutation($name: String!, $slug: String!) {
  createOrganization(name: $name, slug: $slug) { id slug allowedProviders { name } } }`;

/** A valid createWorkspaceProvider input; tests override one field at a time. */
const providerInput = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  region: 'eu-west',
  clusterAddress: `https://${name}.k8s.example.com:6443`,
  namespace: 'workspaces',
  ...overrides,
});

async function createWorkspace(
  name: string,
  providerId: string | null,
  as = member,
  organizationId?: string,
) {
  const response = await gql(
    CREATE_WORKSPACE,
    { o: organizationId ?? world.org.id, n: name, p: providerId },
    as,
  );
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data.createWorkspace as { id: string; name: string; providerId: string; ownerId: string };
}

async function deleteWorkspace(id: string) {
  const response = await gql(DELETE_WORKSPACE, { id }, member);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
}

async function setDefault(id: string) {
  const response = await gql(SET_DEFAULT, { id });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
}

async function defaultProviderNames(): Promise<string[]> {
  const rows = await server.db.workspaceProvider.findMany({
    where: { isDefault: true },
    select: { name: true },
  });
  return rows.map((row) => row.name);
}

async function createOrganizationWithMember(slug: string) {
  const { data } = await gql(CREATE_ORGANIZATION, { name: slug, slug });
  const organization = data.createOrganization as { id: string; slug: string };
  const added = await gql(
    `mutation($o: ID!, $e: String!) {
      addOrganizationMember(organizationId: $o, email: $e, role: MEMBER) { userId } }`,
    { o: organization.id, e: world.personas.member.email },
  );
  expect(added.errors).toBeUndefined();
  return organization;
}

describe('rule 1: exactly one built-in provider exists from first start and cannot be deleted', () => {
  it('exists once, as the BUILT_IN provider, from the first start of the server', async () => {
    expect(await server.db.workspaceProvider.count({ where: { kind: 'BUILT_IN' } })).toBe(1);
    const { data } = await gql(
      `{ workspaceProvider(name: "built-in") { id kind statusHistory { fromStatus toStatus } } }`,
    );
    expect(data.workspaceProvider).toMatchObject({ id: world.builtInId, kind: 'BUILT_IN' });
    expect(data.workspaceProvider.statusHistory).toEqual([{ fromStatus: null, toStatus: 'PENDING' }]);
    // Members see it too: every organization may use it (rule 3).
    const asMember = await gql(LIST_PROVIDERS, {}, member);
    expect(asMember.data.workspaceProviders.edges.map((e: any) => e.node.name)).toContain('built-in');
  });

  it('is created exactly once on a brand-new database, even by concurrent first starts', async () => {
    const database = await createTestDatabase();
    const db = createPrismaClient(database.url);
    try {
      await Promise.all([ensureBuiltInProvider(db), ensureBuiltInProvider(db), ensureBuiltInProvider(db)]);
      const providers = await db.workspaceProvider.findMany();
      expect(providers).toHaveLength(1);
      expect(providers[0]).toMatchObject({ name: 'built-in', kind: 'BUILT_IN', isDefault: true });
      expect(await db.providerStatusEvent.count()).toBe(1);
    } finally {
      await db.$disconnect();
      await database.drop();
    }
  });

  it('a restart creates no second built-in provider and no extra status event', async () => {
    const before = await databaseSnapshot(server.db);
    // What every (re)start of a replica runs; two replicas starting together run it at once.
    await Promise.all([ensureBuiltInProvider(server.db), ensureBuiltInProvider(server.db)]);
    await ensureBuiltInProvider(server.db);
    expect(await databaseSnapshot(server.db)).toEqual(before);
  });

  it('refuses to delete the built-in provider, also when another provider is the default', async () => {
    const refused = await expectNoChange(server.db, () => gql(DELETE_PROVIDER, { id: world.builtInId }));
    const error = expectGraphQLError(refused, 'PRECONDITION_FAILED', { rule: 'RULE_1_BUILT_IN_PROVIDER' });
    expect(error.message).toContain('built-in');

    const other = await createProvider(server, admin, 'r1-default');
    await setDefault(other.id);
    try {
      const again = await expectNoChange(server.db, () => gql(DELETE_PROVIDER, { id: world.builtInId }));
      expectGraphQLError(again, 'PRECONDITION_FAILED', { rule: 'RULE_1_BUILT_IN_PROVIDER' });
    } finally {
      await setDefault(world.builtInId);
    }
    expect(await server.db.workspaceProvider.count({ where: { kind: 'BUILT_IN' } })).toBe(1);
  });

  it('refuses to rename the built-in provider, and no other provider may take its name', async () => {
    const renamed = await expectNoChange(server.db, () =>
      gql(RENAME_PROVIDER, { id: world.builtInId, name: 'not-built-in' }),
    );
    expectGraphQLError(renamed, 'PRECONDITION_FAILED', { rule: 'RULE_1_BUILT_IN_PROVIDER' });

    const other = await createProvider(server, admin, 'r1-impostor');
    const takeName = await expectNoChange(server.db, () =>
      gql(RENAME_PROVIDER, { id: other.id, name: 'built-in' }),
    );
    expectGraphQLError(takeName, 'CONFLICT', { field: 'name' });
    const create = await expectNoChange(server.db, () =>
      gql(CREATE_PROVIDER, { input: providerInput('built-in') }),
    );
    expectGraphQLError(create, 'CONFLICT', { field: 'name' });
    expect(await server.db.workspaceProvider.count({ where: { name: 'built-in' } })).toBe(1);
  });
});

describe('rule 2: exactly one provider is the default at any time', () => {
  it('setting a new default clears the old one', async () => {
    expect(await defaultProviderNames()).toEqual(['built-in']);
    const next = await createProvider(server, admin, 'r2-next');
    const { data } = await gql(SET_DEFAULT, { id: next.id });
    expect(data.setDefaultWorkspaceProvider).toMatchObject({ name: 'r2-next', isDefault: true });

    const list = await gql(LIST_PROVIDERS);
    const defaults = list.data.workspaceProviders.edges
      .filter((e: any) => e.node.isDefault)
      .map((e: any) => e.node.name);
    expect(defaults).toEqual(['r2-next']);
    // Setting the default that already is the default changes nothing about which one it is.
    await setDefault(next.id);
    expect(await defaultProviderNames()).toEqual(['r2-next']);
    await setDefault(world.builtInId);
    expect(await defaultProviderNames()).toEqual(['built-in']);
  });

  it('no reader ever sees zero or two defaults while the default moves (one transaction)', async () => {
    const a = await createProvider(server, admin, 'r2-flip-a');
    const b = await createProvider(server, admin, 'r2-flip-b');
    let moving = true;
    const seen = new Set<number>();
    // Reads on their own connection, as another replica would, for as long as the default keeps moving.
    const reader = (async () => {
      while (moving) {
        const [row] = await server.db.$queryRaw<Array<{ n: number }>>`
          SELECT count(*)::int AS n FROM workspace_providers WHERE is_default`;
        seen.add(row!.n);
      }
    })();
    try {
      for (let i = 0; i < 15; i++) await setDefault(i % 2 === 0 ? a.id : b.id);
    } finally {
      moving = false;
      await reader;
    }
    expect([...seen]).toEqual([1]);
    await setDefault(world.builtInId);
  });

  it('many concurrent setDefault calls on different providers still leave exactly one default', async () => {
    const providers = [];
    for (let i = 0; i < 8; i++) providers.push(await createProvider(server, admin, `r2-race-${i}`));
    const names = new Set(providers.map((p) => p.name));
    for (let round = 0; round < 4; round++) {
      const order = [...providers].sort(() => Math.random() - 0.5);
      const responses = await Promise.all(order.map((p) => gql(SET_DEFAULT, { id: p.id })));
      // Every call succeeds: they take turns rather than fail or deadlock.
      expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
      const defaults = await defaultProviderNames();
      expect(defaults).toHaveLength(1);
      expect(names.has(defaults[0]!)).toBe(true);
    }
    await setDefault(world.builtInId);
    expect(await defaultProviderNames()).toEqual(['built-in']);
  });

  it('the default provider cannot be deleted', async () => {
    const provider = await createProvider(server, admin, 'r2-doomed');
    await setDefault(provider.id);
    try {
      const refused = await expectNoChange(server.db, () => gql(DELETE_PROVIDER, { id: provider.id }));
      const error = expectGraphQLError(refused, 'PRECONDITION_FAILED', { rule: 'RULE_2_DEFAULT_PROVIDER' });
      expect(error.message).toContain('r2-doomed');
      expect(error.message).toContain('setDefaultWorkspaceProvider');
    } finally {
      await setDefault(world.builtInId);
    }
    // Once it is no longer the default, nothing stops the deletion.
    const deleted = await gql(DELETE_PROVIDER, { id: provider.id });
    expect(deleted.errors).toBeUndefined();
    expect(await defaultProviderNames()).toEqual(['built-in']);
  });
});

describe('rule 3: a new organization is added to the built-in provider allowlist', () => {
  it('may use the built-in provider (and only it) from the moment it is created', async () => {
    const created = await gql(
      CREATE_ORGANIZATION,
      { name: 'Rule Three', slug: 'rule-three' },
      world.personas.siteManager.credentials,
    );
    expect(created.errors).toBeUndefined();
    const organization = created.data.createOrganization;
    expect(organization.allowedProviders).toEqual([{ name: 'built-in' }]);

    const { data } = await gql(ALLOWED_ORGANIZATIONS, { id: world.builtInId });
    expect(data.workspaceProvider.allowedOrganizations).toContainEqual({
      id: organization.id,
      slug: 'rule-three',
    });
  });
});

describe('rule 4: an organization leaves an allowlist only while it has no workspaces there', () => {
  it('refuses the removal, naming the workspaces in the way, until they are deleted', async () => {
    const provider = await createProvider(server, admin, 'r4-pool', {
      organizationIds: [world.org.id, world.otherOrg.id],
    });
    const a = await createWorkspace('r4-a', provider.id);
    const b = await createWorkspace('r4-b', provider.id);
    // Another organization's workspace in the same provider does not block this organization's removal.
    await createWorkspace(
      'r4-other',
      provider.id,
      world.personas.otherOrgMember.credentials,
      world.otherOrg.id,
    );

    const refused = await expectNoChange(server.db, () =>
      gql(ALLOWLIST_REMOVE, { p: provider.id, o: world.org.id }),
    );
    const error = expectGraphQLError(refused, 'PRECONDITION_FAILED', { rule: 'RULE_4_ALLOWLIST_IN_USE' });
    expect(error.extensions!.workspaces).toEqual([
      { id: a.id, name: 'r4-a' },
      { id: b.id, name: 'r4-b' },
    ]);
    expect(error.message).toContain('r4-a');
    expect(error.message).toContain('r4-b');
    expect(error.message).not.toContain('r4-other');

    await deleteWorkspace(a.id);
    const stillRefused = await expectNoChange(server.db, () =>
      gql(ALLOWLIST_REMOVE, { p: provider.id, o: world.org.id }),
    );
    expect(
      expectGraphQLError(stillRefused, 'PRECONDITION_FAILED', { rule: 'RULE_4_ALLOWLIST_IN_USE' }).extensions!
        .workspaces,
    ).toEqual([{ id: b.id, name: 'r4-b' }]);

    await deleteWorkspace(b.id);
    const removed = await gql(ALLOWLIST_REMOVE, { p: provider.id, o: world.org.id });
    expect(removed.errors).toBeUndefined();
    const { data } = await gql(ALLOWED_ORGANIZATIONS, { id: provider.id });
    expect(data.workspaceProvider.allowedOrganizations.map((o: any) => o.id)).toEqual([world.otherOrg.id]);

    // From now on the organization cannot create workspaces there (rule 5); removing it again is NOT_FOUND.
    const create = await gql(CREATE_WORKSPACE, { o: world.org.id, n: 'r4-late', p: provider.id }, member);
    expectGraphQLError(create, 'PRECONDITION_FAILED', { rule: 'RULE_5_NOT_ALLOWLISTED' });
    const again = await expectNoChange(server.db, () =>
      gql(ALLOWLIST_REMOVE, { p: provider.id, o: world.org.id }),
    );
    expectGraphQLError(again, 'NOT_FOUND');
  });
});

describe('rule 5: workspaces are created by members, in allowlisted, READY, uncordoned providers', () => {
  // Its own organization, so the only provider it may use is the one created here: the alternative
  // named in each refusal is then known exactly.
  let organization: { id: string; slug: string };
  let usable: { id: string; name: string };
  const providers: Record<string, { id: string; name: string }> = {};

  beforeAll(async () => {
    organization = await createOrganizationWithMember('rule-five');
    const organizationIds = [organization.id];
    usable = await createProvider(server, admin, 'r5-usable', { organizationIds });
    providers.pending = await createProvider(server, admin, 'r5-pending', {
      organizationIds,
      status: 'PENDING',
    });
    providers.error = await createProvider(server, admin, 'r5-error', { organizationIds, status: 'ERROR' });
    providers.cordoned = await createProvider(server, admin, 'r5-cordoned', { organizationIds });
    expect(
      (await gql(CORDON, { id: providers.cordoned.id, reason: 'draining for upgrade' })).errors,
    ).toBeUndefined();
    providers.foreign = await createProvider(server, admin, 'r5-foreign', {
      organizationIds: [world.otherOrg.id],
    });
  });

  async function expectRefusal(
    providerId: string | null,
    rule: string,
    alternative: { id: string; name: string } | null,
  ) {
    const response = await expectNoChange(server.db, () =>
      gql(CREATE_WORKSPACE, { o: organization.id, n: 'refused', p: providerId }, member),
    );
    const error = expectGraphQLError(response, 'PRECONDITION_FAILED', {
      rule,
      alternativeProvider: alternative && { id: alternative.id, name: alternative.name },
    });
    if (alternative) expect(error.message).toContain(`"${alternative.name}"`);
    else expect(error.message).toContain('no other provider');
    return error;
  }

  it('refuses a provider that does not allowlist the organization and names one that does', async () => {
    const error = await expectRefusal(providers.foreign!.id, 'RULE_5_NOT_ALLOWLISTED', usable);
    expect(error.message).toContain('r5-foreign');
  });

  it('refuses a provider that is not READY and names one that is', async () => {
    expect(
      (await expectRefusal(providers.pending!.id, 'RULE_5_PROVIDER_NOT_READY', usable)).message,
    ).toContain('PENDING');
    expect((await expectRefusal(providers.error!.id, 'RULE_5_PROVIDER_NOT_READY', usable)).message).toContain(
      'ERROR',
    );
  });

  it('refuses a cordoned provider, saying why it is cordoned, and names another', async () => {
    const error = await expectRefusal(providers.cordoned!.id, 'RULE_5_PROVIDER_CORDONED', usable);
    expect(error.message).toContain('draining for upgrade');
  });

  it('says so when the organization has no other provider it may use', async () => {
    expect((await gql(CORDON, { id: usable.id, reason: 'maintenance' })).errors).toBeUndefined();
    try {
      await expectRefusal(providers.foreign!.id, 'RULE_5_NOT_ALLOWLISTED', null);
      await expectRefusal(usable.id, 'RULE_5_PROVIDER_CORDONED', null);
    } finally {
      expect((await gql(UNCORDON, { id: usable.id })).errors).toBeUndefined();
    }
    // The provider being refused is never suggested as its own alternative.
    await expectRefusal(providers.pending!.id, 'RULE_5_PROVIDER_NOT_READY', usable);
  });

  it('only members of the organization create workspaces in it', async () => {
    // Site staff see every organization but are not members of this one.
    for (const persona of ['siteAdmin', 'siteManager'] as const) {
      const response = await expectNoChange(server.db, () =>
        gql(
          CREATE_WORKSPACE,
          { o: organization.id, n: 'intruder', p: usable.id },
          world.personas[persona].credentials,
        ),
      );
      expect(expectGraphQLError(response, 'FORBIDDEN').message).toContain('rule-five');
    }
    // To a member of other organizations this one does not exist.
    const outsider = await expectNoChange(server.db, () =>
      gql(
        CREATE_WORKSPACE,
        { o: organization.id, n: 'intruder', p: usable.id },
        world.personas.otherOrgMember.credentials,
      ),
    );
    expectGraphQLError(outsider, 'NOT_FOUND');
    const anonymous = await expectNoChange(server.db, () =>
      gql(CREATE_WORKSPACE, { o: organization.id, n: 'intruder', p: usable.id }, {}),
    );
    expectGraphQLError(anonymous, 'UNAUTHENTICATED');
  });

  it('creates the workspace when every condition holds', async () => {
    const workspace = await createWorkspace('r5-ok', usable.id, member, organization.id);
    expect(workspace).toMatchObject({ providerId: usable.id, ownerId: world.personas.member.userId });
  });

  it('uses the default provider when providerId is omitted', async () => {
    // The default (built-in) is still PENDING: the refusal names the default and the usable alternative.
    const refused = await expectRefusal(null, 'RULE_5_PROVIDER_NOT_READY', usable);
    expect(refused.message).toContain('built-in');

    await setProviderStatus(server.db, world.builtInId, 'READY', 'test: built-in agent connected');
    expect((await createWorkspace('r5-default', null, member, organization.id)).providerId).toBe(
      world.builtInId,
    );

    await setDefault(usable.id);
    try {
      expect((await createWorkspace('r5-moved', null, member, organization.id)).providerId).toBe(usable.id);
    } finally {
      await setDefault(world.builtInId);
    }
  });
});

describe('rule 6: a provider is deleted only when it holds no workspaces', () => {
  it('lists the workspaces in the way, then deletes the provider once they are gone', async () => {
    const provider = await createProvider(server, admin, 'r6-busy', { organizationIds: [world.org.id] });
    const a = await createWorkspace('r6-a', provider.id);
    const b = await createWorkspace('r6-b', provider.id);
    // Deleted workspaces are history, not contents.
    await deleteWorkspace((await createWorkspace('r6-gone', provider.id)).id);

    const refused = await expectNoChange(server.db, () => gql(DELETE_PROVIDER, { id: provider.id }));
    const error = expectGraphQLError(refused, 'PRECONDITION_FAILED', {
      rule: 'RULE_6_PROVIDER_HAS_WORKSPACES',
    });
    expect(error.extensions!.workspaces).toEqual([
      { id: a.id, name: 'r6-a' },
      { id: b.id, name: 'r6-b' },
    ]);
    expect(error.message).toContain(`${world.org.slug}/r6-a`);
    expect(error.message).toContain(`${world.org.slug}/r6-b`);
    expect(error.message).not.toContain('r6-gone');

    await deleteWorkspace(a.id);
    await deleteWorkspace(b.id);
    const deleted = await gql(DELETE_PROVIDER, { id: provider.id });
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data.deleteWorkspaceProvider).toEqual({ id: provider.id, name: 'r6-busy' });
    expectGraphQLError(await gql(PROVIDER_BY_ID, { id: provider.id }), 'NOT_FOUND');
    expect(await server.db.providerAllowlistEntry.count({ where: { providerId: provider.id } })).toBe(0);
  });
});

describe('rule 7: members see the providers their organizations may use, without cluster details', () => {
  // The full persona × field matrix is in authorization.test.ts; this is the behaviour in one place.
  let hidden: { id: string; name: string };
  let visible: { id: string; name: string };

  beforeAll(async () => {
    hidden = await createProvider(server, admin, 'r7-hidden', { organizationIds: [world.otherOrg.id] });
    visible = await createProvider(server, admin, 'r7-visible', { organizationIds: [world.org.id] });
  });

  it('lists exactly the providers that allowlist one of the member organizations', async () => {
    const { data } = await gql(LIST_PROVIDERS, {}, member);
    const names: string[] = data.workspaceProviders.edges.map((e: any) => e.node.name);
    // The member belongs to world.org and to rule 5's organization.
    const memberships = await server.db.membership.findMany({
      where: { userId: world.personas.member.userId! },
    });
    expect(memberships.length).toBeGreaterThan(1);
    const expected = await server.db.workspaceProvider.findMany({
      where: {
        allowlistEntries: { some: { organizationId: { in: memberships.map((m) => m.organizationId) } } },
      },
      orderBy: { name: 'asc' },
    });
    expect(names).toEqual(expected.map((p) => p.name));
    expect(data.workspaceProviders.totalCount).toBe(expected.length);
    expect(names).toContain(visible.name);
    expect(names).not.toContain(hidden.name);
  });

  it('answers NOT_FOUND for a provider the member may not use, by name and by id', async () => {
    expectGraphQLError(await gql(PROVIDER_BY_NAME, { name: hidden.name }, member), 'NOT_FOUND');
    expectGraphQLError(await gql(PROVIDER_BY_ID, { id: hidden.id }, member), 'NOT_FOUND');
    expect((await gql(PROVIDER_BY_NAME, { name: hidden.name })).data.workspaceProvider.id).toBe(hidden.id);
  });

  it('refuses cluster details and admin-only fields to members with FORBIDDEN', async () => {
    for (const field of ['clusterAddress', 'namespace', 'statusMessage', 'allowedOrganizations { id }']) {
      const response = await gql(
        `query($id: ID!) { workspaceProvider(id: $id) { name ${field} } }`,
        { id: visible.id },
        member,
      );
      expectGraphQLError(response, 'FORBIDDEN');
      expect(response.data.workspaceProvider).toMatchObject({
        name: 'r7-visible',
        [field.split(' ')[0]!]: null,
      });
    }
  });

  it('lets site managers, not members, manage providers and allowlists', async () => {
    const asMember = await expectNoChange(server.db, () =>
      gql(CORDON, { id: visible.id, reason: 'x' }, member),
    );
    expectGraphQLError(asMember, 'FORBIDDEN');
    const allowlist = await expectNoChange(server.db, () =>
      gql(ALLOWLIST_ADD, { p: hidden.id, o: world.org.id }, member),
    );
    expectGraphQLError(allowlist, 'FORBIDDEN');
    const asManager = await gql(
      ALLOWLIST_ADD,
      { p: hidden.id, o: world.org.id },
      world.personas.siteManager.credentials,
    );
    expect(asManager.errors).toBeUndefined();
    // Now the member's organization may use it, so the member sees it.
    expect((await gql(PROVIDER_BY_NAME, { name: hidden.name }, member)).data.workspaceProvider.id).toBe(
      hidden.id,
    );
  });
});

describe('rule 8: bad input gets a clear error with a stable code and changes nothing', () => {
  let existing: { id: string; name: string };

  beforeAll(async () => {
    existing = await createProvider(server, admin, 'r8-existing', { organizationIds: [world.org.id] });
  });

  /** Sends the request, checks nothing changed, and checks the error's code and field. */
  async function expectBadInput(
    query: string,
    variables: Record<string, unknown>,
    field: string,
    as = admin,
  ) {
    const response = await expectNoChange(server.db, () => gql(query, variables, as));
    return expectGraphQLError(response, 'BAD_USER_INPUT', { field });
  }

  it('provider names must be DNS labels', async () => {
    for (const name of ['Bad_Name', '-x', 'x-', 'a'.repeat(64), '', 'UPPER', 'has.dots', 'with space']) {
      await expectBadInput(CREATE_PROVIDER, { input: providerInput(name) }, 'name');
      await expectBadInput(RENAME_PROVIDER, { id: existing.id, name }, 'name');
    }
    // The longest DNS label is fine.
    const longest = await gql(CREATE_PROVIDER, { input: providerInput('a'.repeat(63)) });
    expect(longest.errors).toBeUndefined();
  });

  it('cluster and access URLs must be http(s) URLs with a host', async () => {
    for (const clusterAddress of [
      'not a url',
      'ftp://cluster.example.com',
      'https://',
      '',
      'cluster.example.com:6443',
    ]) {
      await expectBadInput(
        CREATE_PROVIDER,
        { input: providerInput('r8-url', { clusterAddress }) },
        'clusterAddress',
      );
    }
    for (const accessUrl of [
      'nope',
      'javascript:alert(1)',
      'file:///etc/passwd',
      `https://x.example.com/${'a'.repeat(2100)}`,
    ]) {
      await expectBadInput(CREATE_PROVIDER, { input: providerInput('r8-url', { accessUrl }) }, 'accessUrl');
      await expectBadInput(UPDATE_PROVIDER, { id: existing.id, input: { accessUrl } }, 'accessUrl');
    }
  });

  it('region must not be empty, and namespace must be a DNS label', async () => {
    for (const region of ['', '   ']) {
      await expectBadInput(CREATE_PROVIDER, { input: providerInput('r8-region', { region }) }, 'region');
      await expectBadInput(UPDATE_PROVIDER, { id: existing.id, input: { region } }, 'region');
    }
    for (const namespace of ['Workspaces', 'ns_1', '', '-ns']) {
      await expectBadInput(CREATE_PROVIDER, { input: providerInput('r8-ns', { namespace }) }, 'namespace');
      await expectBadInput(UPDATE_PROVIDER, { id: existing.id, input: { namespace } }, 'namespace');
    }
    await expectBadInput(CREATE_ORGANIZATION, { name: 'Bad', slug: 'Bad Slug' }, 'slug');
    await expectBadInput(
      CREATE_WORKSPACE,
      { o: world.org.id, n: 'Bad_Name', p: existing.id },
      'name',
      member,
    );
  });

  it('page sizes are 1 to 100 and cursors must come from the API', async () => {
    for (const first of [0, 101, -1]) {
      await expectBadInput(
        `query($f: Int!) { workspaceProviders(first: $f) { totalCount } }`,
        { f: first },
        'first',
      );
      await expectBadInput(
        `query($f: Int!) { workspaceProvider(name: "built-in") { statusHistory(first: $f) { id } } }`,
        { f: first },
        'first',
      );
      await expectBadInput(`query($f: Int!) { workspaces(first: $f) { id } }`, { f: first }, 'first');
      await expectBadInput(`query($f: Int!) { auditEvents(first: $f) { id } }`, { f: first }, 'first');
    }
    for (const after of ['bogus!', 'Zm9v=', '%%%']) {
      await expectBadInput(
        `query($a: String) { workspaceProviders(first: 5, after: $a) { totalCount } }`,
        { a: after },
        'after',
      );
    }
  });

  it('ids that name nothing get NOT_FOUND', async () => {
    const cases: Array<[string, Record<string, unknown>, Credentials?]> = [
      [PROVIDER_BY_ID, { id: UNKNOWN_ID }],
      [PROVIDER_BY_NAME, { name: 'no-such-provider' }],
      [DELETE_PROVIDER, { id: UNKNOWN_ID }],
      [RENAME_PROVIDER, { id: UNKNOWN_ID, name: 'whatever' }],
      [UPDATE_PROVIDER, { id: UNKNOWN_ID, input: { region: 'x' } }],
      [SET_DEFAULT, { id: UNKNOWN_ID }],
      [CORDON, { id: UNKNOWN_ID, reason: 'x' }],
      [UNCORDON, { id: UNKNOWN_ID }],
      [ALLOWLIST_ADD, { p: UNKNOWN_ID, o: world.org.id }],
      [ALLOWLIST_ADD, { p: existing.id, o: UNKNOWN_ID }],
      [ALLOWLIST_REMOVE, { p: UNKNOWN_ID, o: world.org.id }],
      [ALLOWLIST_REMOVE, { p: existing.id, o: UNKNOWN_ID }],
      [CREATE_PROVIDER, { input: providerInput('r8-orphan', { organizationIds: [UNKNOWN_ID] }) }],
      [CREATE_WORKSPACE, { o: UNKNOWN_ID, n: 'ws', p: existing.id }, member],
      [CREATE_WORKSPACE, { o: world.org.id, n: 'ws', p: UNKNOWN_ID }, member],
      [DELETE_WORKSPACE, { id: UNKNOWN_ID }, member],
      [`query($id: ID!) { organization(id: $id) { id } }`, { id: UNKNOWN_ID }],
      [`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: UNKNOWN_ID }],
      [
        `mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { id } }`,
        { o: world.org.id, u: UNKNOWN_ID },
      ],
    ];
    for (const [query, variables, as] of cases) {
      const response = await expectNoChange(server.db, () => gql(query, variables, as ?? admin));
      expectGraphQLError(response, 'NOT_FOUND');
    }
  });

  it('ids that are not ids at all get BAD_USER_INPUT naming the argument', async () => {
    await expectBadInput(DELETE_PROVIDER, { id: 'nope' }, 'id');
    await expectBadInput(PROVIDER_BY_ID, { id: "'; DROP TABLE users; --" }, 'id');
    await expectBadInput(CREATE_WORKSPACE, { o: 'nope', n: 'ws', p: existing.id }, 'organizationId', member);
    await expectBadInput(CREATE_WORKSPACE, { o: world.org.id, n: 'ws', p: '42' }, 'providerId', member);
    await expectBadInput(
      CREATE_PROVIDER,
      { input: providerInput('r8-ids', { organizationIds: ['x'] }) },
      'organizationIds',
    );
  });

  it('duplicates get CONFLICT', async () => {
    const duplicateProvider = await expectNoChange(server.db, () =>
      gql(CREATE_PROVIDER, { input: providerInput(existing.name) }),
    );
    expectGraphQLError(duplicateProvider, 'CONFLICT', { field: 'name' });
    const other = await createProvider(server, admin, 'r8-other');
    expectGraphQLError(
      await expectNoChange(server.db, () => gql(RENAME_PROVIDER, { id: other.id, name: existing.name })),
      'CONFLICT',
      { field: 'name' },
    );
    expectGraphQLError(
      await expectNoChange(server.db, () =>
        gql(CREATE_ORGANIZATION, { name: 'Again', slug: world.org.slug }),
      ),
      'CONFLICT',
      { field: 'slug' },
    );
    expectGraphQLError(
      await expectNoChange(server.db, () => gql(ALLOWLIST_ADD, { p: existing.id, o: world.org.id })),
      'CONFLICT',
    );
    await createWorkspace('r8-twice', existing.id);
    expectGraphQLError(
      await expectNoChange(server.db, () =>
        gql(CREATE_WORKSPACE, { o: world.org.id, n: 'r8-twice', p: existing.id }, member),
      ),
      'CONFLICT',
      { field: 'name' },
    );
  });

  it('concurrent duplicates: one request wins, every other gets CONFLICT', async () => {
    const attempts = 4;
    const outcomes = async (send: () => Promise<any>) => {
      const responses = await Promise.all(Array.from({ length: attempts }, send));
      const codes = responses.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK').sort();
      expect(codes).toEqual([...Array(attempts - 1).fill('CONFLICT'), 'OK']);
    };
    await outcomes(() => gql(CREATE_PROVIDER, { input: providerInput('r8-racing') }));
    await outcomes(() => gql(CREATE_ORGANIZATION, { name: 'Racing', slug: 'r8-racing' }));
    await outcomes(() => gql(CREATE_WORKSPACE, { o: world.org.id, n: 'r8-racing', p: existing.id }, member));
    expect(
      await server.db.workspace.count({ where: { name: 'r8-racing', desiredState: { not: 'DELETED' } } }),
    ).toBe(1);
    await outcomes(() =>
      gql(
        `mutation($e: String!) {
          createUser(email: $e, name: "Racer", password: "long-enough-password") { id } }`,
        {
          e: 'racer@example.com',
        },
      ),
    );
  });
});
