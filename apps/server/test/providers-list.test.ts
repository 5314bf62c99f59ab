import { beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '@outpost/testing';
import {
  createProvider,
  createWorld,
  isStatusMonitorSweep,
  setProviderStatus,
  useTestServer,
  type World,
} from './helpers.js';
import { expectGraphQLError, sleep, UNKNOWN_ID } from './assertions.js';

// The providers list as the console's Workspace Providers page reads it: Relay pagination, the status
// filter, lookups by id or name, the status history and per-organization workspace counts; and the
// promise in graphql/loaders.ts that a page costs a fixed number of SQL statements however many
// providers it shows.

const server = useTestServer();
let world: World;
let admin: Credentials;

beforeAll(async () => {
  world = await createWorld(server);
  admin = world.personas.siteAdmin.credentials;
});

const gql = (query: string, variables: Record<string, unknown> = {}, as: Credentials = admin) =>
  server.client.request<any>(query, variables, as);

async function data(query: string, variables: Record<string, unknown> = {}, as: Credentials = admin) {
  const response = await gql(query, variables, as);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data;
}

const PAGE = `query($first: Int!, $after: String, $status: ProviderStatus) {
  workspaceProviders(first: $first, after: $after, status: $status) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name status } }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: { id: string; name: string; status: string } }>;
}

async function page(variables: { first: number; after?: string | null; status?: string }): Promise<Page> {
  return (await data(PAGE, variables)).workspaceProviders;
}

/** Follows endCursor until hasNextPage is false, checking each page's shape on the way. */
async function walk(first: number, status?: string): Promise<{ names: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (;;) {
    const current = await page({ first, after, status });
    pages.push(current);
    expect(current.edges.length).toBeLessThanOrEqual(first);
    expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor ?? null);
    if (!current.pageInfo.hasNextPage) break;
    expect(current.edges).toHaveLength(first);
    after = current.pageInfo.endCursor;
    expect(pages.length).toBeLessThan(50);
  }
  return { names: pages.flatMap((p) => p.edges.map((e) => e.node.name)), pages };
}

async function namesInDatabase(where: { status?: 'PENDING' | 'READY' | 'ERROR' } = {}) {
  const rows = await server.db.workspaceProvider.findMany({ where, orderBy: { name: 'asc' } });
  return rows.map((row) => row.name);
}

describe('workspaceProviders: Relay pagination and the status filter', () => {
  beforeAll(async () => {
    const statuses = ['READY', 'ERROR', 'PENDING', 'READY', 'READY', 'ERROR', 'PENDING'] as const;
    for (const [i, status] of statuses.entries()) {
      await createProvider(server, admin, `list-${String.fromCharCode(97 + i)}`, { status });
    }
  });

  it('pages through every provider in name order, without gaps or repeats', async () => {
    const all = await namesInDatabase();
    expect(all).toHaveLength(8);
    for (const first of [1, 3, 4, 8, 100]) {
      const { names, pages } = await walk(first);
      expect(names).toEqual(all);
      for (const p of pages) expect(p.totalCount).toBe(all.length);
      expect(pages).toHaveLength(Math.max(1, Math.ceil(all.length / first)));
    }
  });

  it('says whether another page follows, also when the last page is exactly full', async () => {
    expect((await page({ first: 7 })).pageInfo.hasNextPage).toBe(true);
    const full = await page({ first: 8 });
    expect(full.edges).toHaveLength(8);
    expect(full.pageInfo.hasNextPage).toBe(false);
    const beyond = await page({ first: 5, after: full.pageInfo.endCursor });
    expect(beyond).toEqual({ totalCount: 8, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('keeps its place when a provider is added before the cursor', async () => {
    const first = await page({ first: 3 });
    const all = await namesInDatabase();
    const early = await createProvider(server, admin, 'aaa-early');
    try {
      const next = await page({ first: 3, after: first.pageInfo.endCursor });
      expect(next.edges.map((e) => e.node.name)).toEqual(all.slice(3, 6));
      expect(next.totalCount).toBe(all.length + 1);
    } finally {
      expect(
        (await gql(`mutation($id: ID!) { deleteWorkspaceProvider(id: $id) { id } }`, { id: early.id }))
          .errors,
      ).toBeUndefined();
    }
  });

  it('filters by status, and totalCount counts the filtered providers', async () => {
    for (const status of ['READY', 'ERROR', 'PENDING'] as const) {
      const expected = await namesInDatabase({ status });
      expect(expected.length).toBeGreaterThan(1);
      const { names, pages } = await walk(2, status);
      expect(names).toEqual(expected);
      expect(pages[0]!.totalCount).toBe(expected.length);
      expect(pages.flatMap((p) => p.edges.map((e) => e.node.status))).toEqual(expected.map(() => status));
    }
  });
});

describe('workspaceProvider: one provider by id or by name', () => {
  it('finds the same provider either way', async () => {
    const provider = await createProvider(server, admin, 'lookup-me');
    const query = `query($id: ID, $name: String) {
      workspaceProvider(id: $id, name: $name) { id name region } }`;
    const byId = (await data(query, { id: provider.id })).workspaceProvider;
    const byName = (await data(query, { name: 'lookup-me' })).workspaceProvider;
    expect(byId).toEqual({ id: provider.id, name: 'lookup-me', region: 'eu-west' });
    expect(byName).toEqual(byId);
    expectGraphQLError(await gql(query, {}), 'BAD_USER_INPUT');
    expectGraphQLError(await gql(query, { id: provider.id, name: 'lookup-me' }), 'BAD_USER_INPUT');
    expectGraphQLError(await gql(query, { id: UNKNOWN_ID }), 'NOT_FOUND');
    expectGraphQLError(await gql(query, { name: 'no-such-provider' }), 'NOT_FOUND');
  });
});

describe('statusHistory: the transitions of a provider, newest first', () => {
  it('returns the newest `first` transitions, each continuing from the one before it', async () => {
    const provider = await createProvider(server, admin, 'history', { status: 'PENDING' });
    const transitions = ['READY', 'ERROR', 'READY', 'ERROR'] as const;
    for (const status of transitions) {
      // Transitions come from agent messages, never within the same millisecond; the pause keeps their
      // timestamps (millisecond precision) distinct here too.
      await sleep(5);
      await setProviderStatus(server.db, provider.id, status, `now ${status}`);
    }
    const query = `query($id: ID!) { workspaceProvider(id: $id) {
      all: statusHistory { fromStatus toStatus message at }
      newest: statusHistory(first: 2) { fromStatus toStatus message }
    } }`;
    const { all, newest } = (await data(query, { id: provider.id })).workspaceProvider;
    expect(all.map((e: any) => e.toStatus)).toEqual(['ERROR', 'READY', 'ERROR', 'READY', 'PENDING']);
    expect(all.map((e: any) => e.fromStatus)).toEqual(['READY', 'ERROR', 'READY', 'PENDING', null]);
    expect(all[0].message).toBe('now ERROR');
    const times = all.map((e: any) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(newest).toEqual(all.slice(0, 2).map(({ at: _at, ...event }: any) => event));
    // A transition to the status the provider already has is not a transition.
    await setProviderStatus(server.db, provider.id, 'ERROR', 'still failing');
    expect((await data(query, { id: provider.id })).workspaceProvider.all).toHaveLength(5);
  });
});

describe('workspaceCountsByOrganization and workspaceCount', () => {
  it('count the workspaces that are not deleted, per organization', async () => {
    const provider = await createProvider(server, admin, 'counted', {
      organizationIds: [world.org.id, world.otherOrg.id],
    });
    const create = async (name: string, organizationId: string, as: Credentials) =>
      (
        await data(
          `mutation($o: ID!, $p: ID!, $n: String!) {
            createWorkspace(organizationId: $o, providerId: $p, name: $n) { id } }`,
          { o: organizationId, p: provider.id, n: name },
          as,
        )
      ).createWorkspace.id as string;
    const { member, otherOrgMember } = world.personas;
    await create('count-1', world.org.id, member.credentials);
    await create('count-2', world.org.id, member.credentials);
    await create('count-3', world.otherOrg.id, otherOrgMember.credentials);
    const gone = await create('count-gone', world.org.id, member.credentials);
    await data(`mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`, { id: gone }, member.credentials);

    const query = `query($id: ID!) { workspaceProvider(id: $id) {
      workspaceCount workspaceCountsByOrganization { organization { id slug } count } } }`;
    const asAdmin = (await data(query, { id: provider.id })).workspaceProvider;
    expect(asAdmin.workspaceCount).toBe(3);
    expect(
      [...asAdmin.workspaceCountsByOrganization].sort((a: any, b: any) =>
        a.organization.slug.localeCompare(b.organization.slug),
      ),
    ).toEqual(
      [
        { organization: world.org, count: 2 },
        { organization: world.otherOrg, count: 1 },
      ].sort((a, b) => a.organization.slug.localeCompare(b.organization.slug)),
    );
    // Members count only the workspaces of their own organizations.
    const asMember = (
      await data(
        `query($id: ID!) { workspaceProvider(id: $id) { workspaceCount } }`,
        {
          id: provider.id,
        },
        member.credentials,
      )
    ).workspaceProvider;
    expect(asMember.workspaceCount).toBe(2);

    // A provider without workspaces has empty counts, not missing ones.
    const empty = (await data(query, { id: world.builtInId })).workspaceProvider;
    expect(empty).toEqual({ workspaceCount: 0, workspaceCountsByOrganization: [] });
  });
});

describe('the providers page costs a fixed number of SQL statements', () => {
  // A server and database of its own, so the provider counts are exactly 10 and then 500.
  let statements: string[] = [];
  let recording = false;
  const counted = useTestServer({
    onStatement: (sql) => {
      if (recording && !isStatusMonitorSweep(sql)) statements.push(sql);
    },
  });
  let countedWorld: World;

  beforeAll(async () => {
    countedWorld = await createWorld(counted);
  });

  // Everything the console's list shows per provider, nested: allowlist, counts, history.
  const LIST = `query($first: Int!) {
    workspaceProviders(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node {
        id name status isDefault statusMessage clusterAddress
        allowedOrganizations { id slug }
        workspaceCount
        workspaceCountsByOrganization { organization { id slug } count }
        statusHistory(first: 3) { fromStatus toStatus message at }
      } }
    }
  }`;

  /** Inserts providers `seed-0000`… directly, each with an allowlist, history and workspaces. */
  async function seedProviders(from: number, to: number) {
    const names = Array.from({ length: to - from }, (_, i) => `seed-${String(from + i).padStart(4, '0')}`);
    await counted.db.workspaceProvider.createMany({
      data: names.map((name) => ({
        name,
        displayName: name,
        region: 'eu-west',
        namespace: 'workspaces',
        clusterAddress: `https://${name}.example.com`,
        status: 'READY' as const,
      })),
    });
    const providers = await counted.db.workspaceProvider.findMany({ where: { name: { in: names } } });
    const base = Date.now() - 3_600_000;
    await counted.db.providerAllowlistEntry.createMany({
      data: providers.flatMap((p) => [
        { providerId: p.id, organizationId: countedWorld.org.id },
        { providerId: p.id, organizationId: countedWorld.otherOrg.id },
      ]),
    });
    await counted.db.providerStatusEvent.createMany({
      data: providers.flatMap((p) => [
        { providerId: p.id, toStatus: 'PENDING' as const, message: 'Registered.', at: new Date(base) },
        {
          providerId: p.id,
          fromStatus: 'PENDING' as const,
          toStatus: 'ERROR' as const,
          at: new Date(base + 1000),
        },
        {
          providerId: p.id,
          fromStatus: 'ERROR' as const,
          toStatus: 'READY' as const,
          at: new Date(base + 2000),
        },
        {
          providerId: p.id,
          fromStatus: 'READY' as const,
          toStatus: 'ERROR' as const,
          at: new Date(base + 3000),
        },
        {
          providerId: p.id,
          fromStatus: 'ERROR' as const,
          toStatus: 'READY' as const,
          at: new Date(base + 4000),
        },
      ]),
    });
    const member = countedWorld.personas.member.userId!;
    const otherOrgMember = countedWorld.personas.otherOrgMember.userId!;
    await counted.db.workspace.createMany({
      data: providers.flatMap((p) => [
        { name: `${p.name}-a`, ownerId: member, organizationId: countedWorld.org.id, providerId: p.id },
        { name: `${p.name}-b`, ownerId: member, organizationId: countedWorld.org.id, providerId: p.id },
        {
          name: `${p.name}-c`,
          ownerId: otherOrgMember,
          organizationId: countedWorld.otherOrg.id,
          providerId: p.id,
        },
        {
          name: `${p.name}-gone`,
          ownerId: member,
          organizationId: countedWorld.org.id,
          providerId: p.id,
          desiredState: 'DELETED' as const,
        },
      ]),
    });
  }

  /** Requests one page and returns how many SQL statements the server sent to answer it. */
  async function statementsFor(first: number, expectedEdges: number): Promise<number> {
    const request = async () => {
      const response = await counted.client.request<any>(
        LIST,
        { first },
        countedWorld.personas.siteAdmin.credentials,
      );
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data;
    };
    // Warm up first: the token's advisory lastUsedAt is written on its first use only.
    await request();
    // The silent-agent monitor's sweeps, on the same pool, are left out by isStatusMonitorSweep.
    statements = [];
    recording = true;
    let result;
    try {
      result = await request();
    } finally {
      recording = false;
    }
    // The page really carries the nested data being counted.
    const seeded = result.workspaceProviders.edges.filter((e: any) => e.node.name.startsWith('seed-'));
    expect(result.workspaceProviders.edges).toHaveLength(expectedEdges);
    expect(seeded).toHaveLength(expectedEdges - 1);
    for (const { node } of seeded) {
      expect(node.allowedOrganizations).toHaveLength(2);
      expect(node.workspaceCount).toBe(3);
      expect(node.workspaceCountsByOrganization.map((c: any) => c.count).sort()).toEqual([1, 2]);
      expect(node.statusHistory.map((e: any) => e.toStatus)).toEqual(['READY', 'ERROR', 'READY']);
    }
    return statements.length;
  }

  it('is the same for a page of 10 and of 100, in databases of 10 and of 500 providers', async () => {
    // The built-in provider plus 9 seeded ones, then 499.
    await seedProviders(0, 9);
    expect(await counted.db.workspaceProvider.count()).toBe(10);
    const small = { page10: await statementsFor(10, 10), page100: await statementsFor(100, 10) };
    const reference = statements.map((sql) => sql.replace(/\s+/g, ' ').trim().slice(0, 100));

    await seedProviders(9, 499);
    expect(await counted.db.workspaceProvider.count()).toBe(500);
    const large = { page10: await statementsFor(10, 10), page100: await statementsFor(100, 100) };

    const expected = { page10: small.page10, page100: small.page10 };
    expect(small, JSON.stringify(reference, null, 1)).toEqual(expected);
    expect(large, JSON.stringify(reference, null, 1)).toEqual(expected);
    // Fixed and small: authentication, the page and its count, and one batch per nested field.
    expect(small.page10).toBeLessThanOrEqual(12);
  });
});
