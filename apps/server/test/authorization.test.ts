import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { Client } from 'graphql-ws';
import { SubscriptionRecorder, type Credentials } from '@outpost/testing';
import { notify } from '../src/events/notifications.js';
import { createNotificationPubSub } from '../src/events/notifications.js';
import { hashToken } from '../src/auth/tokens.js';
import { AGENT_PROTOCOL_VERSION, SERVER_VERSION } from '../src/version.js';
import { buildOutpostSchema } from '../src/graphql/schema.js';
import { enforceAccess, fieldDecisions } from '../src/authorization/schema.js';
import { databaseSnapshot } from './assertions.js';
import {
  AGENT_PERSONA_NAMES,
  createProvider,
  createWorld,
  PASSWORD,
  PERSONA_NAMES,
  registerAgentFor,
  setProviderStatus,
  tokenFor,
  useTestServer,
  type Persona,
  type TestServer,
  type World,
} from './helpers.js';

// The schema comes from type-graphql, which Node loads through graphql's CommonJS entry; the copy of it
// built below must use that same instance (see events/shared-execution.ts).
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The authorization matrix: every field of every object type of the schema — root fields and the fields
 * of WorkspaceProvider, Organization, User, … alike — against the eight kinds of caller: anonymous, a
 * member of another organization, a member, an organization admin, a site manager, a site admin, the
 * agent of the provider the case is about and the agent of another provider. Each case runs against the
 * real server and asserts allowed, or refused with the code, and that a refusal changed nothing.
 *
 * The accounting test walks the built schema and fails when a field has no access decision (@Allow,
 * src/authorization/) or no case here; another test shows both checks fail for a field added without.
 */

const CALLERS = [...PERSONA_NAMES, ...AGENT_PERSONA_NAMES] as const;
type CallerName = (typeof CALLERS)[number];
interface Caller extends Omit<Persona, 'name'> {
  name: CallerName;
}

type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'PRECONDITION_FAILED';
type Expected = Record<CallerName, Outcome>;

interface RequestCase {
  kind: 'request';
  query: string;
  variables?: Record<string, unknown>;
  /** Replaces the persona's API token, for fields about the credential itself (logout). */
  credentials?: Credentials;
  /** For allowed callers: the data holds what this persona may know, and no more. */
  checkAllowed?(data: any, persona: Caller): void | Promise<void>;
  /** For refused callers, beyond the database snapshot. */
  checkRefused?(): Promise<void>;
  /** Undoes an allowed change that would leak into later cases. */
  cleanup?(): Promise<void>;
}

interface SubscriptionCase {
  kind: 'subscription';
  /** Which beacons prove the subscription is live and that an event was skipped, not late. */
  channel: 'provider' | 'workspace';
  query: string;
  /** Makes the change the subscription should (or must not) report. */
  trigger(): Promise<void>;
  isAbout(event: any): boolean;
  /** Allowed personas that must receive the event; the other allowed personas must not. */
  receivedBy: readonly CallerName[];
  /** Checks everything this persona received after the subscription was live. */
  checkReceived?(events: any[], persona: Caller): void | Promise<void>;
  /**
   * Refused callers are refused when they subscribe (by the root field's decision), not field by field
   * per event: all of them when set, otherwise anonymous callers and agents (user subscriptions).
   */
  refusedOnSubscribe?: boolean;
}

/** The agent protocol's subscriptions: over the agent's own graphql-ws connection. */
interface AgentSubscriptionCase {
  kind: 'agentSubscription';
  query: string;
  /** Makes the change the subscription should (or must not) report; null: the first event is the answer. */
  trigger: (() => Promise<void>) | null;
  isAbout(event: any): boolean;
  receivedBy: readonly CallerName[];
}

type Case = RequestCase | SubscriptionCase | AgentSubscriptionCase;

interface FieldCases {
  expected: Expected;
  arrange(h: Harness, persona: Caller): Promise<Case>;
}

interface Harness {
  server: TestServer;
  world: World;
  admin: Credentials;
  callers: Record<CallerName, Caller>;
  /** A member of world.org that is none of the personas: owns workspaces no persona owns. */
  teammate: { id: string; credentials: Credentials };
  /** READY, allowlists world.org only; reports agent details and holds wsOrg. */
  orgOnly: { id: string; name: string };
  /** READY, allowlists world.otherOrg only; holds wsOther. */
  otherOnly: { id: string; name: string };
  /** READY, allowlists both organizations. */
  shared: { id: string; name: string };
  wsOrg: string;
  wsOther: string;
  /** Workspaces whose synthetic events mark "everything before this was delivered". */
  beaconOrg: string;
  beaconOther: string;
  /**
   * The providers of the two agent personas: agentOfProvider's (allowlists world.org, holds wsHome and
   * beaconHome) and agentOfOtherProvider's (allowlists world.otherOrg, holds wsAway and beaconAway).
   * Separate from the providers above, so that the agents' reports change nothing other cases read.
   */
  home: { id: string; name: string };
  away: { id: string; name: string };
  wsHome: string;
  beaconHome: string;
  wsAway: string;
  beaconAway: string;
  /**
   * Each agent's graphql-ws connection that holds its provider's agent lease for the whole file, as a
   * running agent's does: the lease cases' connections are standbys, whose leaving changes no status.
   */
  leaseHolders: Array<{ client: Client; recorder: SubscriptionRecorder<any> }>;
}

const everyone = (outcome: Outcome): Expected =>
  Object.fromEntries(CALLERS.map((name) => [name, outcome])) as Expected;
const PUBLIC = everyone('allowed');
/** Users only: agents call the agent protocol, nothing else. */
const SIGNED_IN: Expected = {
  ...PUBLIC,
  anonymous: 'UNAUTHENTICATED',
  agentOfProvider: 'FORBIDDEN',
  agentOfOtherProvider: 'FORBIDDEN',
};
const SITE_STAFF: Expected = {
  ...SIGNED_IN,
  otherOrgMember: 'FORBIDDEN',
  member: 'FORBIDDEN',
  orgAdmin: 'FORBIDDEN',
};
const SITE_ADMIN: Expected = { ...SITE_STAFF, siteManager: 'FORBIDDEN' };
/** Things of world.org: invisible to the other organization's member. */
const ORG_VISIBLE: Expected = { ...SIGNED_IN, otherOrgMember: 'NOT_FOUND' };
/** Staff-only fields of a provider that only world.org may use. */
const STAFF_FIELD: Expected = { ...SITE_STAFF, otherOrgMember: 'NOT_FOUND' };
/**
 * The agent protocol (apps/agent/PROTOCOL.md): only a provider agent's own credential may call it, so
 * every user is refused, site admins included; each agent gets its own provider's (agent-protocol.test.ts
 * covers registration tokens).
 */
const AGENT_ONLY: Expected = {
  ...everyone('FORBIDDEN'),
  anonymous: 'UNAUTHENTICATED',
  agentOfProvider: 'allowed',
  agentOfOtherProvider: 'allowed',
};

const isAgent = (name: CallerName) => name === 'agentOfProvider' || name === 'agentOfOtherProvider';
const isStaff = (name: CallerName) => name === 'siteManager' || name === 'siteAdmin';
const seesOrg = (name: CallerName) => isStaff(name) || name === 'member' || name === 'orgAdmin';
const seesOtherOrg = (name: CallerName) => isStaff(name) || name === 'otherOrgMember';

/** Organization ids the persona belongs to, or null for site staff (who see all). */
function organizationsOf(h: Harness, name: CallerName): string[] | null {
  if (isStaff(name)) return null;
  if (name === 'member' || name === 'orgAdmin') return [h.world.org.id];
  if (name === 'otherOrgMember') return [h.world.otherOrg.id];
  return [];
}

let counter = 0;
/** DNS-label-safe unique names; `authz-` sorts after the `a0-` fixtures, so those stay on page one. */
const unique = (prefix = 'authz') => `${prefix}-${++counter}`;

const gql = async (h: Harness, query: string, variables: Record<string, unknown> = {}) =>
  h.server.client.data<any>(query, variables, h.admin);

const freshProvider = (h: Harness, organizationIds: string[] = [h.world.org.id]) =>
  createProvider(h.server, h.admin, unique(), { organizationIds });

async function freshUser(h: Harness): Promise<{ id: string; email: string }> {
  const email = `${unique()}@example.com`;
  const { createUser } = await gql(
    h,
    `mutation($e: String!, $p: String!) { createUser(email: $e, name: "Someone", password: $p) { id } }`,
    { e: email, p: PASSWORD },
  );
  return { id: createUser.id, email };
}

async function createWorkspaceAs(
  h: Harness,
  credentials: Credentials,
  organizationId: string,
  providerId: string,
): Promise<string> {
  const { createWorkspace } = await h.server.client.data<any>(
    `mutation($o: ID!, $n: String!, $p: ID) { createWorkspace(organizationId: $o, name: $n, providerId: $p) { id } }`,
    { o: organizationId, n: unique('ws'), p: providerId },
    credentials,
  );
  return createWorkspace.id;
}
/** A request on a fresh provider that only world.org may use: its members can see it but not change it. */
const onFreshProvider =
  (
    query: string,
    extra: (h: Harness) => Record<string, unknown>,
    checkAllowed: (data: any, providerId: string, h: Harness) => void | Promise<void>,
    prepare?: (h: Harness, providerId: string) => Promise<void>,
  ) =>
  async (h: Harness): Promise<RequestCase> => {
    const provider = await freshProvider(h);
    await prepare?.(h, provider.id);
    return {
      kind: 'request',
      query,
      variables: { id: provider.id, ...extra(h) },
      checkAllowed: (data) => checkAllowed(data, provider.id, h),
    };
  };

const PROVIDER_FIXTURE_QUERY = (selection: string) =>
  `query($id: ID!) { workspaceProvider(id: $id) { id ${selection} } }`;

/** Staff-only provider fields, read on a provider members of world.org can see. */
const staffField = (selection: string, check: (value: any, h: Harness) => void): FieldCases => ({
  expected: STAFF_FIELD,
  arrange: async (h) => ({
    kind: 'request',
    query: PROVIDER_FIXTURE_QUERY(selection),
    variables: { id: h.orgOnly.id },
    checkAllowed: (data) => {
      const field = selection.split(/[\s({]/)[0]!;
      check(data.workspaceProvider[field], h);
    },
  }),
});

/** An agent-only field, called with valid arguments so that only the caller can be the reason for a refusal. */
const agentOnly = (
  query: string,
  variables: (h: Harness) => Record<string, unknown> = () => ({}),
  expected: Expected = AGENT_ONLY,
): FieldCases => ({
  expected,
  arrange: async (h) => ({ kind: 'request', query, variables: variables(h) }),
});

const PROVIDER_EVENTS = `subscription { workspaceProviderEvents { type providerId provider { id name } } }`;
const WORKSPACE_EVENTS = `subscription { workspaceEvents { type workspaceId workspace { id organizationId } } }`;
const STATUS_EVENTS = `subscription {
  workspaceProviderEvents { type providerId statusEvent { fromStatus toStatus message } }
}`;

/** A workspace of world.org created by the teammate: members hear of their organization's workspaces. */
function workspaceCreatedCase(h: Harness, query: string): SubscriptionCase {
  let created = '';
  return {
    kind: 'subscription',
    channel: 'workspace',
    query,
    trigger: async () => {
      created = await createWorkspaceAs(h, h.teammate.credentials, h.world.org.id, h.orgOnly.id);
    },
    isAbout: (e) => e.workspaceEvents.workspaceId === created && e.workspaceEvents.type === 'CREATED',
    receivedBy: ['member', 'orgAdmin', 'siteManager', 'siteAdmin'],
  };
}

/** A provider only world.org may use, cordoned: its members and site staff hear of it. */
async function providerCordonedCase(h: Harness, query: string): Promise<SubscriptionCase> {
  const provider = await freshProvider(h, [h.world.org.id]);
  return {
    kind: 'subscription',
    channel: 'provider',
    query,
    trigger: async () => {
      await gql(h, `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "upgrade") { id } }`, {
        id: provider.id,
      });
    },
    isAbout: (e) =>
      e.workspaceProviderEvents.providerId === provider.id &&
      e.workspaceProviderEvents.type === 'CORDON_CHANGED',
    receivedBy: ['member', 'orgAdmin', 'siteManager', 'siteAdmin'],
  };
}

const matrix: Record<string, FieldCases> = {
  // --- Queries ---

  'Query.agentWorkspaces': {
    expected: AGENT_ONLY,
    arrange: async (h) => ({
      kind: 'request',
      query: `{ agentWorkspaces { id name organizationSlug desiredState } }`,
      // Each agent gets its own provider's workspaces and nothing of the other's.
      checkAllowed: (data, persona) => {
        const ids = data.agentWorkspaces.map((w: { id: string }) => w.id);
        const [own, foreign] =
          persona.name === 'agentOfProvider' ? [h.wsHome, h.wsAway] : [h.wsAway, h.wsHome];
        expect(ids).toContain(own);
        expect(ids).not.toContain(foreign);
      },
    }),
  },

  'Query.apiTokens': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      kind: 'request',
      query: `{ apiTokens { id name } }`,
      checkAllowed: async (data, persona) => {
        const ids = data.apiTokens.map((token: { id: string }) => token.id);
        const owners = await h.server.db.apiToken.findMany({
          where: { id: { in: ids } },
          select: { userId: true },
        });
        expect(owners.length).toBeGreaterThan(0);
        expect(new Set(owners.map((owner) => owner.userId))).toEqual(new Set([persona.userId]));
        expect(ids).toHaveLength(await h.server.db.apiToken.count({ where: { userId: persona.userId! } }));
      },
    }),
  },

  'Query.auditEvents': {
    expected: SITE_ADMIN,
    arrange: async () => ({
      kind: 'request',
      query: `{ auditEvents(first: 5) { id action } }`,
      checkAllowed: (data) => expect(data.auditEvents.length).toBeGreaterThan(0),
    }),
  },

  'Query.me': {
    expected: PUBLIC,
    arrange: async () => ({
      kind: 'request',
      query: `{ me { id } }`,
      checkAllowed: (data, persona) => expect(data.me?.id ?? null).toBe(persona.userId),
    }),
  },

  'Query.organization': {
    expected: ORG_VISIBLE,
    arrange: async (h) => ({
      kind: 'request',
      query: `query($id: ID!) { organization(id: $id) { slug members { userId } } }`,
      variables: { id: h.world.org.id },
      checkAllowed: (data) => {
        expect(data.organization.slug).toBe(h.world.org.slug);
        const members = data.organization.members.map((m: { userId: string }) => m.userId);
        expect(members).toEqual(
          expect.arrayContaining([h.world.personas.member.userId, h.world.personas.orgAdmin.userId]),
        );
      },
    }),
  },

  'Query.organizations': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      kind: 'request',
      query: `{ organizations { id } }`,
      checkAllowed: async (data, persona) => {
        const ids = data.organizations.map((o: { id: string }) => o.id).sort();
        const own = organizationsOf(h, persona.name);
        if (own) expect(ids).toEqual([...own].sort());
        else expect(ids).toHaveLength(await h.server.db.organization.count());
      },
    }),
  },

  'Query.serverInfo': {
    expected: PUBLIC,
    arrange: async () => ({
      kind: 'request',
      query: `{ serverInfo { version agentProtocolVersion } }`,
      checkAllowed: (data) =>
        expect(data.serverInfo).toEqual({
          version: SERVER_VERSION,
          agentProtocolVersion: AGENT_PROTOCOL_VERSION,
        }),
    }),
  },

  'Query.setupRequired': {
    expected: PUBLIC,
    arrange: async () => ({
      kind: 'request',
      query: `{ setupRequired }`,
      checkAllowed: (data) => expect(data.setupRequired).toBe(false),
    }),
  },

  'Query.workspaceProvider': {
    expected: ORG_VISIBLE,
    arrange: async (h) => ({
      kind: 'request',
      query: PROVIDER_FIXTURE_QUERY('name'),
      variables: { id: h.orgOnly.id },
      checkAllowed: (data) => expect(data.workspaceProvider.name).toBe(h.orgOnly.name),
    }),
  },

  'Query.workspaceProviders': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      kind: 'request',
      query: `{ workspaceProviders(first: 100) { totalCount edges { node { id } } } }`,
      checkAllowed: async (data, persona) => {
        const own = organizationsOf(h, persona.name);
        const visible = await h.server.db.workspaceProvider.findMany({
          where: own ? { allowlistEntries: { some: { organizationId: { in: own } } } } : {},
          select: { id: true },
        });
        const ids = new Set<string>(data.workspaceProviders.edges.map((e: any) => e.node.id));
        expect(data.workspaceProviders.totalCount).toBe(visible.length);
        for (const id of ids) expect(visible.map((p) => p.id)).toContain(id);
        expect(ids.has(h.orgOnly.id)).toBe(seesOrg(persona.name));
        expect(ids.has(h.otherOnly.id)).toBe(seesOtherOrg(persona.name));
      },
    }),
  },

  'Query.workspaces': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      kind: 'request',
      query: `{ workspaces(first: 100) { id organizationId } }`,
      checkAllowed: (data, persona) => {
        const own = organizationsOf(h, persona.name);
        for (const workspace of data.workspaces) if (own) expect(own).toContain(workspace.organizationId);
        const ids = data.workspaces.map((w: { id: string }) => w.id);
        expect(ids.includes(h.wsOrg)).toBe(seesOrg(persona.name));
        expect(ids.includes(h.wsOther)).toBe(seesOtherOrg(persona.name));
      },
    }),
  },

  // --- Mutations: each case works on a target of its own, so one persona's success changes nothing for the next. ---

  'Mutation.addOrganizationMember': {
    expected: { ...ORG_VISIBLE, member: 'FORBIDDEN' },
    arrange: async (h) => {
      const user = await freshUser(h);
      return {
        kind: 'request',
        query: `mutation($o: ID!, $e: String!) { addOrganizationMember(organizationId: $o, email: $e) { userId role } }`,
        variables: { o: h.world.org.id, e: user.email },
        checkAllowed: (data) =>
          expect(data.addOrganizationMember).toEqual({ userId: user.id, role: 'MEMBER' }),
      };
    },
  },

  'Mutation.addOrganizationToProviderAllowlist': {
    expected: SITE_STAFF,
    arrange: async (h) => {
      const provider = await freshProvider(h, []);
      return {
        kind: 'request',
        query: `mutation($p: ID!, $o: ID!) { addOrganizationToProviderAllowlist(providerId: $p, organizationId: $o) { id } }`,
        variables: { p: provider.id, o: h.world.org.id },
        checkAllowed: async () => {
          const entries = await h.server.db.providerAllowlistEntry.findMany({
            where: { providerId: provider.id },
          });
          expect(entries.map((e) => e.organizationId)).toEqual([h.world.org.id]);
        },
      };
    },
  },

  'Mutation.agentHeartbeat': agentOnly(`mutation { agentHeartbeat { status } }`),

  'Mutation.cordonWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "upgrading nodes") { cordoned cordonReason } }`,
      () => ({}),
      (data) =>
        expect(data.cordonWorkspaceProvider).toEqual({ cordoned: true, cordonReason: 'upgrading nodes' }),
    ),
  },

  'Mutation.createApiToken': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      kind: 'request',
      query: `mutation { createApiToken(name: "authz") { token apiToken { id } } }`,
      checkAllowed: async (data, persona) => {
        const row = await h.server.db.apiToken.findUniqueOrThrow({
          where: { id: data.createApiToken.apiToken.id },
        });
        expect(row.userId).toBe(persona.userId);
      },
    }),
  },

  'Mutation.createOrganization': {
    expected: SITE_STAFF,
    arrange: async (h) => {
      const slug = unique();
      return {
        kind: 'request',
        query: `mutation($s: String!) { createOrganization(name: $s, slug: $s) { id slug } }`,
        variables: { s: slug },
        checkAllowed: async (data) => {
          expect(data.createOrganization.slug).toBe(slug);
          const onBuiltIn = await h.server.db.providerAllowlistEntry.count({
            where: { providerId: h.world.builtInId, organizationId: data.createOrganization.id },
          });
          expect(onBuiltIn).toBe(1);
        },
      };
    },
  },

  'Mutation.createUser': {
    expected: SITE_ADMIN,
    arrange: async () => {
      const email = `${unique()}@example.com`;
      return {
        kind: 'request',
        query: `mutation($e: String!, $p: String!) { createUser(email: $e, name: "New", password: $p) { email siteRole } }`,
        variables: { e: email, p: PASSWORD },
        checkAllowed: (data) => expect(data.createUser).toEqual({ email, siteRole: 'MEMBER' }),
      };
    },
  },

  'Mutation.createWorkspace': {
    // Rule 5: only members of the organization, whatever their site role.
    expected: { ...ORG_VISIBLE, siteManager: 'FORBIDDEN', siteAdmin: 'FORBIDDEN' },
    arrange: async (h) => {
      const provider = await freshProvider(h);
      return {
        kind: 'request',
        query: `mutation($o: ID!, $n: String!, $p: ID) {
          createWorkspace(organizationId: $o, name: $n, providerId: $p) { ownerId organizationId providerId }
        }`,
        variables: { o: h.world.org.id, n: unique('ws'), p: provider.id },
        checkAllowed: (data, persona) =>
          expect(data.createWorkspace).toEqual({
            ownerId: persona.userId,
            organizationId: h.world.org.id,
            providerId: provider.id,
          }),
      };
    },
  },

  'Mutation.createWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: async () => {
      const name = unique();
      return {
        kind: 'request',
        query: `mutation($input: CreateWorkspaceProviderInput!) {
          createWorkspaceProvider(input: $input) {
            provider { name status clusterAddress }
            registrationToken { token installCommand }
          }
        }`,
        variables: {
          input: {
            name,
            region: 'eu-west',
            clusterAddress: 'https://k8s.example.com:6443',
            namespace: 'workspaces',
          },
        },
        checkAllowed: (data) =>
          expect(data.createWorkspaceProvider).toEqual({
            provider: { name, status: 'PENDING', clusterAddress: 'https://k8s.example.com:6443' },
            registrationToken: {
              token: expect.stringMatching(/^oprg_/),
              installCommand: expect.stringContaining(
                `--set-file registrationToken=./${name}.registration-token`,
              ),
            },
          }),
      };
    },
  },

  'Mutation.deleteWorkspace': {
    // The workspace belongs to the teammate: a plain member may not delete a colleague's workspace.
    expected: { ...ORG_VISIBLE, member: 'FORBIDDEN' },
    arrange: async (h) => {
      const provider = await freshProvider(h);
      const id = await createWorkspaceAs(h, h.teammate.credentials, h.world.org.id, provider.id);
      return {
        kind: 'request',
        query: `mutation($id: ID!) { deleteWorkspace(id: $id) { id desiredState } }`,
        variables: { id },
        checkAllowed: (data) => expect(data.deleteWorkspace).toEqual({ id, desiredState: 'DELETED' }),
      };
    },
  },

  'Mutation.deleteWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!) { deleteWorkspaceProvider(id: $id) { id } }`,
      () => ({}),
      async (_data, id, h) =>
        expect(await h.server.db.workspaceProvider.findUnique({ where: { id } })).toBeNull(),
    ),
  },

  'Mutation.issueProviderRegistrationToken': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token expiresAt installCommand } }`,
      () => ({}),
      async (data, id, h) => {
        const issued = data.issueProviderRegistrationToken;
        expect(issued.token).toMatch(/^oprg_/);
        // Only the newest token can register an agent: the one createWorkspaceProvider printed is retired.
        const live = await h.server.db.agentCredential.findMany({
          where: { providerId: id, revokedAt: null },
        });
        expect(live.map((credential) => credential.tokenHash)).toEqual([hashToken(issued.token)]);
      },
    ),
  },

  'Mutation.login': {
    expected: PUBLIC,
    arrange: async (h) => ({
      kind: 'request',
      query: `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
      variables: { e: h.world.personas.member.email, p: PASSWORD },
      checkAllowed: (data) => expect(data.login.user.id).toBe(h.world.personas.member.userId),
    }),
  },

  'Mutation.logout': {
    expected: SIGNED_IN,
    arrange: async (h, persona) => {
      // A session of its own: logging out must not end the persona's token used by other cases.
      let cookie: string | undefined;
      if (persona.email) {
        const login = await h.server.client.request(
          `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
          { e: persona.email, p: PASSWORD },
        );
        cookie = login.headers.get('set-cookie')?.split(';')[0];
        expect(cookie).toBeTruthy();
      }
      return {
        kind: 'request',
        query: `mutation { logout }`,
        credentials: cookie ? { cookie } : persona.credentials,
        checkAllowed: async (data) => {
          expect(data.logout).toBe(true);
          const after = await h.server.client.data<any>(`{ me { id } }`, {}, { cookie });
          expect(after.me).toBeNull();
        },
      };
    },
  },

  // A registration token's only call: agents that hold a credential are refused too (agent-protocol.test.ts
  // covers the registration itself).
  'Mutation.registerAgent': agentOnly(`mutation { registerAgent { providerId credential } }`, undefined, {
    ...AGENT_ONLY,
    agentOfProvider: 'FORBIDDEN',
    agentOfOtherProvider: 'FORBIDDEN',
  }),

  'Mutation.removeOrganizationFromProviderAllowlist': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!, $o: ID!) { removeOrganizationFromProviderAllowlist(providerId: $id, organizationId: $o) { id } }`,
      (h) => ({ o: h.world.org.id }),
      async (_data, id, h) =>
        expect(await h.server.db.providerAllowlistEntry.count({ where: { providerId: id } })).toBe(0),
    ),
  },

  'Mutation.removeOrganizationMember': {
    expected: { ...ORG_VISIBLE, member: 'FORBIDDEN' },
    arrange: async (h) => {
      const user = await freshUser(h);
      await gql(
        h,
        `mutation($o: ID!, $e: String!) { addOrganizationMember(organizationId: $o, email: $e) { userId } }`,
        {
          o: h.world.org.id,
          e: user.email,
        },
      );
      return {
        kind: 'request',
        query: `mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { id } }`,
        variables: { o: h.world.org.id, u: user.id },
        checkAllowed: async () =>
          expect(
            await h.server.db.membership.count({
              where: { userId: user.id, organizationId: h.world.org.id },
            }),
          ).toBe(0),
      };
    },
  },

  'Mutation.renameWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: async (h) => {
      const name = unique();
      return onFreshProvider(
        `mutation($id: ID!, $name: String!) { renameWorkspaceProvider(id: $id, name: $name) { name } }`,
        () => ({ name }),
        (data) => expect(data.renameWorkspaceProvider.name).toBe(name),
      )(h);
    },
  },

  'Mutation.reportAgentStatus': agentOnly(
    `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`,
    () => ({
      input: {
        agentVersion: SERVER_VERSION,
        protocolVersion: AGENT_PROTOCOL_VERSION,
        checks: ['kubernetes-api', 'namespace', 'rbac', 'server-version'].map((name) => ({
          name,
          passed: true,
          message: `${name} passes`,
        })),
      },
    }),
  ),

  // Only on workspaces of the agent's own provider.
  'Mutation.reportWorkspaceStatus': agentOnly(
    `mutation($o: [WorkspaceObservationInput!]!) { reportWorkspaceStatus(observations: $o) }`,
    (h) => ({ o: [{ workspaceId: h.wsHome, phase: 'Running', message: `pod ready ${unique()}` }] }),
    { ...AGENT_ONLY, agentOfOtherProvider: 'FORBIDDEN' },
  ),

  'Mutation.revokeAgentCredentials': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { id status } }`,
      () => ({}),
      async (data, id, h) => {
        expect(data.revokeAgentCredentials).toEqual({ id, status: 'ERROR' });
        expect(await h.server.db.agentCredential.count({ where: { providerId: id, revokedAt: null } })).toBe(
          0,
        );
      },
    ),
  },

  'Mutation.revokeApiToken': {
    // Owners revoke their own tokens; site admins anyone's (a leaked token is an incident). Others cannot see it.
    expected: {
      ...everyone('NOT_FOUND'),
      anonymous: 'UNAUTHENTICATED',
      agentOfProvider: 'FORBIDDEN',
      agentOfOtherProvider: 'FORBIDDEN',
      member: 'allowed',
      siteAdmin: 'allowed',
    },
    arrange: async (h) => {
      const { createApiToken } = await h.server.client.data<any>(
        `mutation { createApiToken(name: "to-revoke") { apiToken { id } } }`,
        {},
        h.world.personas.member.credentials,
      );
      const id: string = createApiToken.apiToken.id;
      const revokedAt = async () =>
        (await h.server.db.apiToken.findUniqueOrThrow({ where: { id } })).revokedAt;
      return {
        kind: 'request',
        query: `mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`,
        variables: { id },
        checkAllowed: async (data) => {
          expect(data.revokeApiToken.revokedAt).toBeTruthy();
          expect(await revokedAt()).not.toBeNull();
        },
        checkRefused: async () => expect(await revokedAt()).toBeNull(),
      };
    },
  },

  'Mutation.rotateAgentCredential': agentOnly(`mutation { rotateAgentCredential { credential } }`),

  'Mutation.setDefaultWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: async (h) => ({
      ...(await onFreshProvider(
        `mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id isDefault } }`,
        () => ({}),
        async (data, id) => {
          expect(data.setDefaultWorkspaceProvider).toEqual({ id, isDefault: true });
          const defaults = await h.server.db.workspaceProvider.findMany({ where: { isDefault: true } });
          expect(defaults.map((p) => p.id)).toEqual([id]);
        },
      )(h)),
      // Other cases rely on built-in being the default.
      cleanup: async () => {
        await gql(h, `mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`, {
          id: h.world.builtInId,
        });
      },
    }),
  },

  'Mutation.setupFirstAdmin': {
    // Public, but refused to everyone once a user exists.
    expected: everyone('PRECONDITION_FAILED'),
    arrange: async () => ({
      kind: 'request',
      query: `mutation($e: String!, $p: String!) { setupFirstAdmin(email: $e, name: "Intruder", password: $p) { id } }`,
      variables: { e: `${unique()}@example.com`, p: PASSWORD },
    }),
  },

  'Mutation.uncordonWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { cordoned cordonReason } }`,
      () => ({}),
      (data) => expect(data.uncordonWorkspaceProvider).toEqual({ cordoned: false, cordonReason: null }),
      async (h, id) => {
        await gql(
          h,
          `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "maintenance") { id } }`,
          { id },
        );
      },
    ),
  },

  'Mutation.updateWorkspaceProvider': {
    expected: SITE_STAFF,
    arrange: onFreshProvider(
      `mutation($id: ID!, $input: UpdateWorkspaceProviderInput!) { updateWorkspaceProvider(id: $id, input: $input) { region } }`,
      () => ({ input: { region: 'ap-south' } }),
      (data) => expect(data.updateWorkspaceProvider.region).toBe('ap-south'),
    ),
  },

  // --- Subscriptions: a member hears only about providers their organizations may use and their workspaces. ---

  'Subscription.agentWorkspaceEvents': {
    expected: AGENT_ONLY,
    arrange: async (h) =>
      agentWorkspaceEventsCase(h, `subscription { agentWorkspaceEvents { workspaceId type } }`),
  },

  'Subscription.agentLease': {
    expected: AGENT_ONLY,
    arrange: async () => agentLeaseCase(`subscription { agentLease { role } }`),
  },

  'Subscription.workspaceProviderEvents': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      ...(await providerCordonedCase(h, PROVIDER_EVENTS)),
      checkReceived: async (events, persona) => {
        const own = organizationsOf(h, persona.name);
        if (!own) return;
        const visible = await h.server.db.workspaceProvider.findMany({
          where: { allowlistEntries: { some: { organizationId: { in: own } } } },
          select: { id: true },
        });
        for (const event of events)
          expect(visible.map((p) => p.id)).toContain(event.workspaceProviderEvents.providerId);
      },
    }),
  },

  'Subscription.workspaceEvents': {
    expected: SIGNED_IN,
    arrange: async (h) => ({
      ...workspaceCreatedCase(h, WORKSPACE_EVENTS),
      checkReceived: (events, persona) => {
        const own = organizationsOf(h, persona.name);
        if (own)
          for (const event of events) expect(own).toContain(event.workspaceEvents.workspace.organizationId);
      },
    }),
  },

  // --- What the agent reports and the allowlist: site staff only (rule 7), even for providers members may use. ---

  'WorkspaceProvider.statusMessage': staffField('statusMessage', (value) =>
    expect(value).toBe('test: READY'),
  ),
  'WorkspaceProvider.clusterAddress': staffField('clusterAddress', (value, h) =>
    expect(value).toBe(`https://${h.orgOnly.name}.k8s.example.com:6443`),
  ),
  'WorkspaceProvider.namespace': staffField('namespace', (value) => expect(value).toBe('workspaces')),
  'WorkspaceProvider.agentVersion': staffField('agentVersion', (value) => expect(value).toBe('0.9.1')),
  'WorkspaceProvider.kubernetesVersion': staffField('kubernetesVersion', (value) =>
    expect(value).toBe('v1.31.2'),
  ),
  'WorkspaceProvider.nodeSummary': staffField(
    'nodeSummary { nodeCount cpuMillicores memoryBytes }',
    (value) => expect(value).toEqual({ nodeCount: 3, cpuMillicores: 12000, memoryBytes: '68719476736' }),
  ),
  'WorkspaceProvider.checkResults': staffField('checkResults { name passed message }', (value) =>
    expect(value).toEqual([{ name: 'namespace', passed: true, message: 'namespace workspaces exists' }]),
  ),
  'WorkspaceProvider.chartVersion': staffField('chartVersion', (value) => expect(value).toBe('0.9.0')),
  'WorkspaceProvider.versionWarning': staffField('versionWarning', (value) => {
    expect(value).toContain('Agent 0.9.1');
    expect(value).toContain(`server ${SERVER_VERSION}`);
  }),
  // Never the secrets themselves: the type has no field for them.
  'WorkspaceProvider.agentCredentials': staffField('agentCredentials { isRegistration revokedAt }', (value) =>
    expect(value).toEqual([{ isRegistration: true, revokedAt: null }]),
  ),
  // Which agent processes are connected and which of them holds the lease: staff only, like agent details.
  'WorkspaceProvider.agents': staffField(
    'agents { leaseHolder { instanceId holdsLease } standbys { instanceId } standbyCount }',
    (value) => expect(value).toEqual({ leaseHolder: null, standbys: [], standbyCount: 0 }),
  ),
  'WorkspaceProvider.allowedOrganizations': staffField('allowedOrganizations { id }', (value, h) =>
    expect(value).toEqual([{ id: h.world.org.id }]),
  ),
  'WorkspaceProvider.workspaceCountsByOrganization': staffField(
    'workspaceCountsByOrganization { organization { id } count }',
    (value, h) => {
      expect(value.map((row: any) => row.organization.id)).toEqual([h.world.org.id]);
      expect(value[0].count).toBeGreaterThanOrEqual(2); // wsOrg and beaconOrg at least
    },
  ),
  'WorkspaceProvider.statusHistory': staffField(
    'statusHistory(first: 5) { fromStatus toStatus }',
    (value) => {
      // Both transitions may share a millisecond, so their order is not asserted here.
      expect(value).toHaveLength(2);
      expect(value).toEqual(
        expect.arrayContaining([
          { fromStatus: 'PENDING', toStatus: 'READY' },
          { fromStatus: null, toStatus: 'PENDING' },
        ]),
      );
    },
  ),

  // A status event carries the status message in full (cluster details): like statusHistory, staff only.
  'WorkspaceProviderEvent.statusEvent': {
    expected: { ...SITE_STAFF, otherOrgMember: 'FORBIDDEN' },
    arrange: async (h) => {
      const provider = await freshProvider(h, [h.world.org.id, h.world.otherOrg.id]);
      const secret = `cannot reach https://10.20.${++counter}.7:6443: connection refused`;
      return {
        kind: 'subscription',
        channel: 'provider',
        query: STATUS_EVENTS,
        trigger: () => setProviderStatus(h.server.db, provider.id, 'ERROR', secret),
        isAbout: (e) =>
          e.workspaceProviderEvents.providerId === provider.id &&
          e.workspaceProviderEvents.type === 'STATUS_CHANGED',
        receivedBy: ['siteManager', 'siteAdmin'],
        checkReceived: (events, persona) => {
          const about = events.filter(
            (e) =>
              e.workspaceProviderEvents.providerId === provider.id &&
              e.workspaceProviderEvents.type === 'STATUS_CHANGED',
          );
          if (isStaff(persona.name)) {
            expect(about[0].workspaceProviderEvents.statusEvent).toEqual({
              fromStatus: 'READY',
              toStatus: 'ERROR',
              message: secret,
            });
          } else {
            expect(about[0].workspaceProviderEvents.statusEvent).toBeNull();
            expect(JSON.stringify(events)).not.toContain(secret);
          }
        },
      };
    },
  },
};

// --- The fields of every other object type: how each persona reaches an object of the type ---

/** The agent protocol's nudges: agentOfProvider hears of a workspace created in its provider, the other agent not. */
function agentWorkspaceEventsCase(h: Harness, query: string): AgentSubscriptionCase {
  let created = '';
  return {
    kind: 'agentSubscription',
    query,
    trigger: async () => {
      created = await createWorkspaceAs(h, h.teammate.credentials, h.world.org.id, h.home.id);
    },
    isAbout: (e) => e.agentWorkspaceEvents?.workspaceId === created,
    receivedBy: ['agentOfProvider'],
  };
}

/** The agent lease answers at once with this connection's role (home's lease is held by h.leaseHolder). */
function agentLeaseCase(query: string): AgentSubscriptionCase {
  return {
    kind: 'agentSubscription',
    query,
    trigger: null,
    isAbout: (e) => ['HOLDER', 'STANDBY'].includes(e.agentLease?.role),
    receivedBy: ['agentOfProvider', 'agentOfOtherProvider'],
  };
}

interface TypeCases {
  /** A case that reaches an object of the type and selects `selection` (the field) on it. */
  reach(h: Harness, selection: string, field: string): Case | Promise<Case>;
  /** Every field of the type that has no case of its own in `matrix`, with its expected outcomes. */
  fields: Record<string, Expected>;
}

const all = (fields: string[], expected: Expected): Record<string, Expected> =>
  Object.fromEntries(fields.map((field) => [field, expected]));

/** A query whose allowed answer must hold the field at `path` (a list: in its first element). */
const reading =
  (query: string, path: string[], variables: (h: Harness) => Record<string, unknown> = () => ({})) =>
  (h: Harness, selection: string, field: string): RequestCase => ({
    kind: 'request',
    query: query.replace('$SELECTION', selection),
    variables: variables(h),
    checkAllowed: (data) => {
      let value = data;
      for (const key of path) value = Array.isArray(value?.[key]) ? value[key][0] : value?.[key];
      expect(value, `${path.join('.')} is in the answer`).toBeTruthy();
      expect(value).toHaveProperty(field);
    },
  });

/**
 * A field of the object at `path` in a provider (the provider itself for []): orgOnly, which only
 * world.org may use, unless `providerOf` names another. `args` holds arguments of path elements.
 */
const onProvider = (
  path: string[],
  providerOf: (h: Harness) => string = (h) => h.orgOnly.id,
  args: Record<string, string> = {},
) =>
  reading(
    `query($id: ID!) { workspaceProvider(id: $id) { ${path.map((key) => `${key}${args[key] ?? ''} {`).join(' ')} ` +
      `$SELECTION ${'}'.repeat(path.length)} } }`,
    ['workspaceProvider', ...path],
    (h) => ({ id: providerOf(h) }),
  );
const typeCases: Record<string, TypeCases> = {
  // Staff-only provider fields have cases of their own in `matrix` (staffField); these are the rest.
  WorkspaceProvider: {
    reach: onProvider([]),
    fields: all(
      [
        'id',
        'name',
        'displayName',
        'region',
        'kind',
        'status',
        'statusChangedAt',
        'lastHeartbeatAt',
        'isDefault',
        'cordoned',
        'cordonReason',
        'accessUrl',
        'createdAt',
        'updatedAt',
        'workspaceCount',
      ],
      ORG_VISIBLE,
    ),
  },
  WorkspaceProviderConnection: {
    reach: reading(`{ workspaceProviders(first: 2) { $SELECTION } }`, ['workspaceProviders']),
    fields: all(['edges', 'pageInfo', 'totalCount'], SIGNED_IN),
  },
  WorkspaceProviderEdge: {
    reach: reading(`{ workspaceProviders(first: 2) { edges { $SELECTION } } }`, [
      'workspaceProviders',
      'edges',
    ]),
    fields: all(['cursor', 'node'], SIGNED_IN),
  },
  PageInfo: {
    reach: reading(`{ workspaceProviders(first: 2) { pageInfo { $SELECTION } } }`, [
      'workspaceProviders',
      'pageInfo',
    ]),
    fields: all(['hasNextPage', 'endCursor'], SIGNED_IN),
  },
  Organization: {
    reach: reading(`query($id: ID!) { organization(id: $id) { $SELECTION } }`, ['organization'], (h) => ({
      id: h.world.org.id,
    })),
    fields: all(['id', 'name', 'slug', 'createdAt', 'members', 'allowedProviders'], ORG_VISIBLE),
  },
  OrganizationMember: {
    reach: reading(
      `query($id: ID!) { organization(id: $id) { members { $SELECTION } } }`,
      ['organization', 'members'],
      (h) => ({
        id: h.world.org.id,
      }),
    ),
    fields: all(['userId', 'email', 'name', 'role'], ORG_VISIBLE),
  },
  OrganizationWorkspaceCount: {
    reach: onProvider(['workspaceCountsByOrganization']),
    fields: all(['organization', 'count'], STAFF_FIELD),
  },
  ProviderCheckResult: {
    reach: onProvider(['checkResults']),
    fields: all(['name', 'passed', 'message'], STAFF_FIELD),
  },
  ProviderNodeSummary: {
    reach: onProvider(['nodeSummary']),
    fields: all(['nodeCount', 'cpuMillicores', 'memoryBytes'], STAFF_FIELD),
  },
  ProviderStatusEvent: {
    reach: onProvider(['statusHistory'], undefined, { statusHistory: '(first: 5)' }),
    fields: all(['id', 'providerId', 'fromStatus', 'toStatus', 'message', 'at'], STAFF_FIELD),
  },
  AgentCredentialInfo: {
    reach: onProvider(['agentCredentials']),
    fields: all(['id', 'isRegistration', 'createdAt', 'lastUsedAt', 'expiresAt', 'revokedAt'], STAFF_FIELD),
  },
  ProviderAgents: {
    reach: onProvider(['agents'], (h) => h.home.id),
    fields: all(['leaseHolder', 'standbys', 'standbyCount'], STAFF_FIELD),
  },
  // home's lease holder: agentOfProvider's connection, open for the whole file.
  AgentConnectionInfo: {
    reach: onProvider(['agents', 'leaseHolder'], (h) => h.home.id),
    fields: all(['instanceId', 'connectedAt', 'lastSeenAt', 'holdsLease'], STAFF_FIELD),
  },
  // `me` is public and null without a user; a user reads their own account.
  User: {
    reach: (_h, selection, field): RequestCase => ({
      kind: 'request',
      query: `{ me { $SELECTION } }`.replace('$SELECTION', selection),
      checkAllowed: (data, persona) => {
        if (persona.userId) expect(data.me).toHaveProperty(field);
        else expect(data.me).toBeNull();
      },
    }),
    fields: all(['id', 'email', 'name', 'siteRole', 'createdAt', 'memberships'], PUBLIC),
  },
  OrganizationMembership: {
    reach: (h, selection, field): RequestCase => ({
      kind: 'request',
      query: `{ me { memberships { $SELECTION } } }`.replace('$SELECTION', selection),
      checkAllowed: (data, persona) => {
        if (!persona.userId) return expect(data.me).toBeNull();
        const own = organizationsOf(h, persona.name) ?? [];
        expect(data.me.memberships).toHaveLength(own.length);
        for (const membership of data.me.memberships) expect(membership).toHaveProperty(field);
      },
    }),
    fields: all(['organization', 'role'], PUBLIC),
  },
  ApiToken: {
    reach: reading(`{ apiTokens { $SELECTION } }`, ['apiTokens']),
    fields: all(['id', 'name', 'createdAt', 'lastUsedAt', 'expiresAt', 'revokedAt'], SIGNED_IN),
  },
  CreatedApiToken: {
    reach: reading(`mutation { createApiToken(name: "authz") { $SELECTION } }`, ['createApiToken']),
    fields: all(['apiToken', 'token'], SIGNED_IN),
  },
  // Whoever gives the password reads the account they signed in to.
  LoginResult: {
    reach: reading(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { $SELECTION } }`,
      ['login'],
      (h) => ({ e: h.world.personas.member.email, p: PASSWORD }),
    ),
    fields: all(['user'], PUBLIC),
  },
  AuditEvent: {
    reach: reading(`{ auditEvents(first: 2) { $SELECTION } }`, ['auditEvents']),
    fields: all(['id', 'actorId', 'action', 'targetType', 'targetId', 'before', 'after', 'at'], SITE_ADMIN),
  },
  RegistrationToken: {
    reach: reading(
      `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { $SELECTION } }`,
      ['issueProviderRegistrationToken'],
      (h) => ({ id: h.shared.id }),
    ),
    fields: all(['token', 'expiresAt', 'installCommand'], SITE_STAFF),
  },
  CreateWorkspaceProviderPayload: {
    reach: (h, selection, field) =>
      reading(
        `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) { $SELECTION } }`,
        ['createWorkspaceProvider'],
        () => ({
          input: {
            name: unique(),
            region: 'eu-west',
            clusterAddress: 'https://k8s.example.com:6443',
            namespace: 'ws',
          },
        }),
      )(h, selection, field),
    fields: all(['provider', 'registrationToken'], SITE_STAFF),
  },
  ServerInfo: {
    reach: reading(`{ serverInfo { $SELECTION } }`, ['serverInfo']),
    fields: all(['version', 'agentProtocolVersion'], PUBLIC),
  },
  AgentAck: {
    reach: reading(`mutation { agentHeartbeat { $SELECTION } }`, ['agentHeartbeat']),
    fields: all(
      ['serverVersion', 'agentProtocolVersion', 'heartbeatIntervalSeconds', 'status', 'lease'],
      AGENT_ONLY,
    ),
  },
  AgentRegistration: {
    reach: reading(`mutation { rotateAgentCredential { $SELECTION } }`, ['rotateAgentCredential']),
    fields: all(['providerId', 'providerName', 'namespace', 'credential'], AGENT_ONLY),
  },
  AgentWorkspace: {
    reach: (h, selection, field): RequestCase => ({
      kind: 'request',
      query: `{ agentWorkspaces { id $SELECTION } }`.replace('$SELECTION', selection),
      checkAllowed: (data, persona) => {
        const [own, foreign] =
          persona.name === 'agentOfProvider' ? [h.wsHome, h.wsAway] : [h.wsAway, h.wsHome];
        const ids = data.agentWorkspaces.map((w: { id: string }) => w.id);
        expect(ids).toContain(own);
        expect(ids).not.toContain(foreign);
        for (const workspace of data.agentWorkspaces) expect(workspace).toHaveProperty(field);
      },
    }),
    fields: all(['id', 'name', 'organizationSlug', 'desiredState'], AGENT_ONLY),
  },
  // Members read the workspaces of their organizations, whoever owns them; staff all of them.
  Workspace: {
    reach: (h, selection, field): RequestCase => ({
      kind: 'request',
      query: `{ workspaces(first: 100) { id organizationId $SELECTION } }`.replace('$SELECTION', selection),
      checkAllowed: (data, persona) => {
        const ids = data.workspaces.map((w: { id: string }) => w.id);
        expect(ids.includes(h.wsOrg)).toBe(seesOrg(persona.name));
        expect(ids.includes(h.wsOther)).toBe(seesOtherOrg(persona.name));
        for (const workspace of data.workspaces) expect(workspace).toHaveProperty(field);
      },
    }),
    fields: all(
      [
        'id',
        'name',
        'ownerId',
        'organizationId',
        'providerId',
        'desiredState',
        'observedPhase',
        'observedMessage',
        'observedAt',
        'createdAt',
        'updatedAt',
      ],
      SIGNED_IN,
    ),
  },
  WorkspaceEvent: {
    reach: (h, selection) =>
      workspaceCreatedCase(h, `subscription { workspaceEvents { type workspaceId ${selection} } }`),
    fields: all(['type', 'workspaceId', 'workspace'], SIGNED_IN),
  },
  // statusEvent (staff only) has a case of its own in `matrix`.
  WorkspaceProviderEvent: {
    reach: (h, selection) =>
      providerCordonedCase(h, `subscription { workspaceProviderEvents { type providerId ${selection} } }`),
    fields: all(['type', 'providerId', 'provider'], SIGNED_IN),
  },
  AgentLeaseState: {
    reach: (_h, selection) =>
      agentLeaseCase(`subscription { agentLease { $SELECTION } }`.replace('$SELECTION', selection)),
    fields: all(['role'], AGENT_ONLY),
  },
  AgentWorkspaceEvent: {
    reach: (h, selection) =>
      agentWorkspaceEventsCase(
        h,
        `subscription { agentWorkspaceEvents { workspaceId $SELECTION } }`.replace('$SELECTION', selection),
      ),
    fields: all(['workspaceId', 'type'], AGENT_ONLY),
  },
};

// The schema as committed (schema-file.test.ts keeps it equal to the built one): the field types, to
// select object-typed fields with a sub-selection.
const committedSchema = graphql.buildSchema(
  readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'),
);

/** The field as a selection: object-typed fields with `{ __typename }` (their own fields have their own cases). */
function selectionOf(typeName: string, field: string): string {
  const type = committedSchema.getType(typeName) as GraphQLObjectType | undefined;
  const definition = type?.getFields()[field];
  if (!definition) return field; // a field gone from the schema: the accounting test names it
  return graphql.isObjectType(graphql.getNamedType(definition.type)) ? `${field} { __typename }` : field;
}

/** Every case: the root fields' and staff fields' of `matrix`, then one per field of typeCases. */
const cases: Record<string, FieldCases> = { ...matrix };
for (const [typeName, { reach, fields }] of Object.entries(typeCases)) {
  for (const [field, expected] of Object.entries(fields)) {
    const key = `${typeName}.${field}`;
    if (cases[key]) throw new Error(`${key} has a case in matrix and in typeCases: keep one`);
    cases[key] = { expected, arrange: async (h) => reach(h, selectionOf(typeName, field), field) };
  }
}

/**
 * The accounting: every field of every object type of `schema` must have an access decision and a case
 * with an outcome for each of the eight personas. Returns what is wrong, by field.
 */
function accountingGaps(schema: GraphQLSchema, known: Record<string, FieldCases>) {
  const decisions = fieldDecisions(schema);
  const undecided = [...decisions].filter(([, decision]) => !decision).map(([name]) => name);
  const withoutCases = [...decisions.keys()].filter(
    (name) => !known[name] || CALLERS.some((caller) => !known[name]!.expected[caller]),
  );
  const stale = Object.keys(known).filter((name) => !decisions.has(name));
  return { undecided: undecided.sort(), withoutCases: withoutCases.sort(), stale: stale.sort() };
}

// --- Running one case ---

function errorCodes(errors: unknown[] | undefined): string[] {
  const codes = (errors ?? []).flatMap((error: any) =>
    Array.isArray(error)
      ? errorCodes(error)
      : [
          error?.extensions?.code ??
            `not a GraphQL error with a code: ${JSON.stringify(error) ?? String(error)}`,
        ],
  );
  return [...new Set(codes)];
}

function valueAt(data: unknown, path: ReadonlyArray<string | number> | undefined): unknown {
  let value: any = data;
  for (const key of path ?? []) value = value?.[key];
  return value;
}

async function runRequest(h: Harness, persona: Caller, outcome: Outcome, request: RequestCase) {
  const before = outcome === 'allowed' ? null : await databaseSnapshot(h.server.db);
  try {
    const result = await h.server.client.request(
      request.query,
      request.variables ?? {},
      request.credentials ?? persona.credentials,
    );
    if (outcome === 'allowed') {
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      expect(result.data).toBeTruthy();
      await request.checkAllowed?.(result.data, persona);
      return;
    }
    expect(errorCodes(result.errors), JSON.stringify(result.errors)).toEqual([outcome]);
    // The refused value is not in the response, and the refusal changed nothing.
    for (const error of result.errors!) expect(valueAt(result.data, error.path) ?? null).toBeNull();
    expect(await databaseSnapshot(h.server.db)).toEqual(before);
    await request.checkRefused?.();
  } finally {
    if (outcome === 'allowed') await request.cleanup?.();
  }
}

/**
 * Synthetic notifications (the server re-reads the rows, so they change nothing) that every signed-in
 * persona may receive: warm-ups until a subscription is live (graphql-ws has no "subscribed" ack), and a
 * sentinel after the trigger. A subscriber handles events in order, so once the sentinel arrives the
 * trigger's event has been delivered or skipped: "not received" needs no sleep.
 */
/** A synthetic "workspace updated" notification (the server re-reads the row, so it changes nothing). */
async function workspaceUpdated(h: Harness, workspaceId: string) {
  const ws = await h.server.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
  await notify(h.server.db, {
    topic: 'workspace',
    type: 'UPDATED',
    workspaceId,
    organizationId: ws.organizationId,
    providerId: ws.providerId,
  });
}

function beacons(h: Harness, channel: SubscriptionCase['channel']) {
  const providerEvent = (providerId: string) =>
    notify(h.server.db, { topic: 'provider', type: 'UPDATED', providerId });
  const workspaceEvent = async (workspaceIds: string[]) => {
    for (const workspaceId of workspaceIds) await workspaceUpdated(h, workspaceId);
  };
  if (channel === 'provider') {
    return {
      warmUp: () => providerEvent(h.world.builtInId),
      isWarmUp: (e: any) => e.workspaceProviderEvents.providerId === h.world.builtInId,
      sentinel: () => providerEvent(h.shared.id),
      isSentinel: (e: any) => e.workspaceProviderEvents.providerId === h.shared.id,
    };
  }
  return {
    warmUp: () => workspaceEvent([h.wsOrg, h.wsOther]),
    isWarmUp: (e: any) => [h.wsOrg, h.wsOther].includes(e.workspaceEvents.workspaceId),
    sentinel: () => workspaceEvent([h.beaconOrg, h.beaconOther]),
    isSentinel: (e: any) => [h.beaconOrg, h.beaconOther].includes(e.workspaceEvents.workspaceId),
  };
}

/** A refusal by the subscription's root field: an error instead of any event. */
async function expectRefusedOnSubscribe(recorder: SubscriptionRecorder<any>, outcome: Outcome) {
  await recorder.waitFor(() => recorder.errors.length > 0 || recorder.completed);
  expect(errorCodes(recorder.errors)).toEqual([outcome]);
  expect(recorder.events).toEqual([]);
}

async function runSubscription(
  h: Harness,
  persona: Caller,
  outcome: Outcome,
  subscription: SubscriptionCase,
) {
  const clients = [h.server.client.subscriptions(persona.credentials)];
  const recorder = new SubscriptionRecorder<any>(clients[0]!, subscription.query);
  const recorders = [recorder];
  try {
    const refusedByRoot =
      outcome === 'UNAUTHENTICATED' || subscription.refusedOnSubscribe || isAgent(persona.name);
    if (outcome !== 'allowed' && refusedByRoot) {
      await expectRefusedOnSubscribe(recorder, outcome);
      return;
    }
    // A site admin's subscription shows the trigger's event was published.
    clients.push(h.server.client.subscriptions(h.world.personas.siteAdmin.credentials));
    const control = new SubscriptionRecorder<any>(clients[1]!, subscription.query);
    recorders.push(control);
    const beacon = beacons(h, subscription.channel);
    for (let attempt = 1; ; attempt++) {
      await beacon.warmUp();
      try {
        await Promise.all(recorders.map((r) => r.waitFor((events) => events.some(beacon.isWarmUp), 200)));
        break;
      } catch (error) {
        if (attempt >= 25) throw error;
      }
    }
    const [eventsFrom, errorsFrom, controlFrom] = [
      recorder.events.length,
      recorder.errors.length,
      control.events.length,
    ];
    await subscription.trigger();
    await control.waitFor((events) => events.slice(controlFrom).some(subscription.isAbout));
    await beacon.sentinel();
    await recorder.waitFor((events) => events.slice(eventsFrom).some(beacon.isSentinel));

    const received = recorder.events.slice(eventsFrom);
    const codes = errorCodes(recorder.errors.slice(errorsFrom));
    const gotIt = received.some(subscription.isAbout);
    if (outcome === 'allowed') {
      expect(codes).toEqual([]);
      expect(gotIt, `received ${JSON.stringify(received)}`).toBe(
        subscription.receivedBy.includes(persona.name),
      );
    } else {
      // Refused on a field: the event arrives without it.
      expect(gotIt).toBe(true);
      expect(codes).toEqual([outcome]);
    }
    await subscription.checkReceived?.(received, persona);
  } finally {
    for (const r of recorders) r.stop();
    await Promise.all(clients.map((client) => client.dispose()));
  }
}

/**
 * The agent protocol's subscriptions, over the persona's own graphql-ws connection. Users are refused when
 * they subscribe. An agent's warm-ups and sentinel are events about its own provider's workspaces, which
 * only it hears of.
 */
async function runAgentSubscription(
  h: Harness,
  persona: Caller,
  outcome: Outcome,
  subscription: AgentSubscriptionCase,
) {
  const client = h.server.client.subscriptions(persona.credentials);
  const recorder = new SubscriptionRecorder<any>(client, subscription.query);
  try {
    if (outcome !== 'allowed') return await expectRefusedOnSubscribe(recorder, outcome);
    if (!subscription.trigger) {
      // The lease subscription claims the lease, which records the connection; its leaving deletes that
      // row after the socket closed. Later cases compare database snapshots: wait until it is gone.
      const connections = () =>
        h.server.db.$queryRaw<[{ n: number }]>`SELECT count(*)::int AS n FROM agent_connections`;
      const [{ n: before }] = await connections();
      await recorder.waitFor((events) => events.length > 0 || recorder.errors.length > 0);
      const [codes, first] = [errorCodes(recorder.errors), recorder.events[0]];
      recorder.stop();
      await client.dispose();
      for (let attempt = 0; (await connections())[0].n !== before; attempt++) {
        if (attempt > 200) throw new Error('the standby connection was not forgotten after it closed');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(codes).toEqual([]);
      expect(first.agentLease.role).toBe('STANDBY'); // the holder set up in beforeAll keeps the lease
      expect(subscription.isAbout(first)).toBe(subscription.receivedBy.includes(persona.name));
      return;
    }
    const [own, beacon] =
      persona.name === 'agentOfProvider' ? [h.wsHome, h.beaconHome] : [h.wsAway, h.beaconAway];
    const about = (workspaceId: string) => (e: any) => e.agentWorkspaceEvents?.workspaceId === workspaceId;
    const publish = (workspaceId: string) => workspaceUpdated(h, workspaceId);
    for (let attempt = 1; ; attempt++) {
      await publish(own);
      try {
        await recorder.waitFor((events) => events.some(about(own)), 200);
        break;
      } catch (error) {
        if (attempt >= 25) throw error;
      }
    }
    const from = recorder.events.length;
    await subscription.trigger();
    await publish(beacon);
    await recorder.waitFor((events) => events.slice(from).some(about(beacon)));
    expect(errorCodes(recorder.errors)).toEqual([]);
    expect(recorder.events.slice(from).some(subscription.isAbout)).toBe(
      subscription.receivedBy.includes(persona.name),
    );
  } finally {
    recorder.stop();
    await client.dispose();
  }
}

// --- The tests ---

describe('authorization matrix', () => {
  // The agents' credentials are rotated by some cases and their lease must not pass to a standby while
  // the file runs: a long overlap and heartbeat grace keep both as they were set up.
  const server = useTestServer({
    config: { agents: { credentialOverlapMinutes: 24 * 60, heartbeatGraceSeconds: 24 * 60 * 60 } },
  });
  const h = { server } as Harness;

  beforeAll(async () => {
    h.world = await createWorld(server);
    h.admin = h.world.personas.siteAdmin.credentials;
    const { org, otherOrg } = h.world;

    const teammate = await freshUser(h);
    await gql(
      h,
      `mutation($o: ID!, $e: String!) { addOrganizationMember(organizationId: $o, email: $e) { userId } }`,
      {
        o: org.id,
        e: teammate.email,
      },
    );
    h.teammate = { id: teammate.id, credentials: { token: await tokenFor(server.client, teammate.email) } };

    h.orgOnly = await createProvider(server, h.admin, 'a0-org-only', { organizationIds: [org.id] });
    h.otherOnly = await createProvider(server, h.admin, 'a0-other-only', { organizationIds: [otherOrg.id] });
    h.shared = await createProvider(server, h.admin, 'a0-shared', { organizationIds: [org.id, otherOrg.id] });
    // What an agent would have reported, so staff-only fields have values to hide.
    await server.db.workspaceProvider.update({
      where: { id: h.orgOnly.id },
      data: {
        agentVersion: '0.9.1',
        kubernetesVersion: 'v1.31.2',
        nodeSummary: { nodeCount: 3, cpuMillicores: 12000, memoryBytes: '68719476736' },
        checkResults: [{ name: 'namespace', passed: true, message: 'namespace workspaces exists' }],
        chartVersion: '0.9.0',
      },
    });

    const otherOrgMember = h.world.personas.otherOrgMember.credentials;
    h.wsOrg = await createWorkspaceAs(h, h.teammate.credentials, org.id, h.orgOnly.id);
    h.beaconOrg = await createWorkspaceAs(h, h.teammate.credentials, org.id, h.orgOnly.id);
    h.wsOther = await createWorkspaceAs(h, otherOrgMember, otherOrg.id, h.otherOnly.id);
    h.beaconOther = await createWorkspaceAs(h, otherOrgMember, otherOrg.id, h.otherOnly.id);

    // The two agents, registered as their charts do, each with workspaces in its provider.
    h.home = await createProvider(server, h.admin, 'a0-agent-home', { organizationIds: [org.id] });
    h.away = await createProvider(server, h.admin, 'a0-agent-away', { organizationIds: [otherOrg.id] });
    h.wsHome = await createWorkspaceAs(h, h.teammate.credentials, org.id, h.home.id);
    h.beaconHome = await createWorkspaceAs(h, h.teammate.credentials, org.id, h.home.id);
    h.wsAway = await createWorkspaceAs(h, otherOrgMember, otherOrg.id, h.away.id);
    h.beaconAway = await createWorkspaceAs(h, otherOrgMember, otherOrg.id, h.away.id);
    const agent = async (name: CallerName, providerId: string): Promise<Caller> => ({
      name,
      userId: null,
      email: null,
      credentials: await registerAgentFor(server, h.admin, providerId),
    });
    h.callers = {
      ...h.world.personas,
      agentOfProvider: await agent('agentOfProvider', h.home.id),
      agentOfOtherProvider: await agent('agentOfOtherProvider', h.away.id),
    };
    // Each agent holds its provider's lease over graphql-ws (the subscription keeps the socket open).
    h.leaseHolders = [];
    for (const name of AGENT_PERSONA_NAMES) {
      const client = server.client.subscriptions(h.callers[name].credentials);
      const recorder = new SubscriptionRecorder<any>(client, `subscription { agentLease { role } }`);
      h.leaseHolders.push({ client, recorder });
      await recorder.waitFor((events) => events.some((e) => e.agentLease.role === 'HOLDER'));
    }
  });
  afterAll(async () => {
    for (const { client, recorder } of h.leaseHolders ?? []) {
      recorder.stop();
      await client.dispose();
    }
  });

  it('has an access decision and a case for every persona for every field of every object type', async () => {
    const built = await buildOutpostSchema(createNotificationPubSub());
    const gaps = accountingGaps(built, cases);
    expect(
      gaps,
      'declare @Allow on undecided fields; add cases for fields without; drop stale cases',
    ).toEqual({
      undecided: [],
      withoutCases: [],
      stale: [],
    });
    // The running server's schema too: every field the API serves is one the accounting knows.
    const live = await server.client.data<any>(`{ __schema { types { name kind fields { name } } } }`);
    const served = live.__schema.types
      .filter((type: any) => type.kind === 'OBJECT' && !type.name.startsWith('__'))
      .flatMap((type: any) => type.fields.map((field: any) => `${type.name}.${field.name}`));
    expect(served.filter((name: string) => !cases[name])).toEqual([]);
  });

  it('fails for a field added without a decision or cases: the schema does not build and the accounting names it', async () => {
    const built = await buildOutpostSchema(createNotificationPubSub());
    // A copy of the schema whose WorkspaceProvider has one more field, without a decision or cases.
    const copy = graphql.extendSchema(
      built,
      graphql.parse('extend type WorkspaceProvider { kubeconfig: String }'),
    );
    expect(() => enforceAccess(copy)).toThrow(/WorkspaceProvider\.kubeconfig/);
    expect(accountingGaps(copy, cases)).toEqual({
      undecided: ['WorkspaceProvider.kubeconfig'],
      withoutCases: ['WorkspaceProvider.kubeconfig'],
      stale: [],
    });
    // With a decision but no cases, the accounting still fails.
    const decided = (copy.getType('WorkspaceProvider') as GraphQLObjectType).getFields().kubeconfig!;
    decided.extensions = {
      ...decided.extensions,
      access: fieldDecisions(built).get('WorkspaceProvider.clusterAddress'),
    };
    expect(accountingGaps(copy, cases).withoutCases).toEqual(['WorkspaceProvider.kubeconfig']);
  });

  for (const [field, fieldCases] of Object.entries(cases)) {
    describe(field, () => {
      it.each(CALLERS.map((name) => ({ name, outcome: fieldCases.expected[name] })))(
        '$name: $outcome',
        async ({ name, outcome }) => {
          const persona = h.callers[name];
          const arranged = await fieldCases.arrange(h, persona);
          if (arranged.kind === 'request') await runRequest(h, persona, outcome, arranged);
          else if (arranged.kind === 'subscription') await runSubscription(h, persona, outcome, arranged);
          else await runAgentSubscription(h, persona, outcome, arranged);
        },
      );
    });
  }
});
