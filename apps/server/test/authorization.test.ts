import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { SubscriptionRecorder, type Credentials } from '@outpost/testing';
import { notify } from '../src/events/notifications.js';
import { hashToken } from '../src/auth/tokens.js';
import { AGENT_PROTOCOL_VERSION, SERVER_VERSION } from '../src/version.js';
import { databaseSnapshot } from './assertions.js';
import {
  createProvider,
  createWorld,
  PASSWORD,
  PERSONA_NAMES,
  setProviderStatus,
  tokenFor,
  useTestServer,
  type Persona,
  type PersonaName,
  type TestServer,
  type World,
} from './helpers.js';

/**
 * The authorization matrix: every Query, Mutation and Subscription field, and every object field that
 * needs a site role, against the six kinds of caller. The first test walks the schema and fails when a
 * field has no row here, so a new field cannot ship without deciding who may use it.
 */

type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'PRECONDITION_FAILED';
type Expected = Record<PersonaName, Outcome>;

interface RequestCase {
  kind: 'request';
  query: string;
  variables?: Record<string, unknown>;
  /** Replaces the persona's API token, for fields about the credential itself (logout). */
  credentials?: Credentials;
  /** For allowed callers: the data holds what this persona may know, and no more. */
  checkAllowed?(data: any, persona: Persona): void | Promise<void>;
  /** For refused callers, beyond the database snapshot (which only counts API token rows). */
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
  receivedBy: readonly PersonaName[];
  /** Checks everything this persona received after the subscription was live. */
  checkReceived?(events: any[], persona: Persona): void | Promise<void>;
  /** Refused callers are refused when they subscribe (the root field), not field by field per event. */
  refusedOnSubscribe?: boolean;
}

interface FieldCases {
  expected: Expected;
  arrange(h: Harness, persona: Persona): Promise<RequestCase | SubscriptionCase>;
}

interface Harness {
  server: TestServer;
  world: World;
  admin: Credentials;
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
}

const everyone = (outcome: Outcome): Expected =>
  Object.fromEntries(PERSONA_NAMES.map((name) => [name, outcome])) as Expected;
const PUBLIC = everyone('allowed');
const SIGNED_IN: Expected = { ...PUBLIC, anonymous: 'UNAUTHENTICATED' };
const SITE_STAFF: Expected = {
  anonymous: 'UNAUTHENTICATED',
  otherOrgMember: 'FORBIDDEN',
  member: 'FORBIDDEN',
  orgAdmin: 'FORBIDDEN',
  siteManager: 'allowed',
  siteAdmin: 'allowed',
};
const SITE_ADMIN: Expected = { ...SITE_STAFF, siteManager: 'FORBIDDEN' };
/** Things of world.org: invisible to the other organization's member. */
const ORG_VISIBLE: Expected = { ...SIGNED_IN, otherOrgMember: 'NOT_FOUND' };
/** Staff-only fields of a provider that only world.org may use. */
const STAFF_FIELD: Expected = { ...SITE_STAFF, otherOrgMember: 'NOT_FOUND' };
/**
 * The agent protocol (apps/agent/PROTOCOL.md): only a provider agent's own token may call it, so every
 * user is refused, site admins included. agent-protocol.test.ts covers what agents themselves may call.
 */
const AGENT_ONLY: Expected = { ...everyone('FORBIDDEN'), anonymous: 'UNAUTHENTICATED' };

const isStaff = (name: PersonaName) => name === 'siteManager' || name === 'siteAdmin';
const seesOrg = (name: PersonaName) => isStaff(name) || name === 'member' || name === 'orgAdmin';
const seesOtherOrg = (name: PersonaName) => isStaff(name) || name === 'otherOrgMember';

/** Organization ids the persona belongs to, or null for site staff (who see all). */
function organizationsOf(h: Harness, name: PersonaName): string[] | null {
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
): FieldCases => ({
  expected: AGENT_ONLY,
  arrange: async (h) => ({ kind: 'request', query, variables: variables(h) }),
});

const PROVIDER_EVENTS = `subscription { workspaceProviderEvents { type providerId provider { id name } } }`;
const WORKSPACE_EVENTS = `subscription { workspaceEvents { type workspaceId workspace { id organizationId } } }`;
const STATUS_EVENTS = `subscription {
  workspaceProviderEvents { type providerId statusEvent { fromStatus toStatus message } }
}`;

const matrix: Record<string, FieldCases> = {
  // --- Queries ---

  'Query.agentWorkspaces': agentOnly(`{ agentWorkspaces { id name organizationSlug desiredState } }`),

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
        credentials: cookie ? { cookie } : {},
        checkAllowed: async (data) => {
          expect(data.logout).toBe(true);
          const after = await h.server.client.data<any>(`{ me { id } }`, {}, { cookie });
          expect(after.me).toBeNull();
        },
      };
    },
  },

  'Mutation.registerAgent': agentOnly(`mutation { registerAgent { providerId credential } }`),

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

  'Mutation.reportWorkspaceStatus': agentOnly(
    `mutation($o: [WorkspaceObservationInput!]!) { reportWorkspaceStatus(observations: $o) }`,
    (h) => ({ o: [{ workspaceId: h.wsOrg, phase: 'Running', message: 'pod ready' }] }),
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
    arrange: async (h) => {
      let created = '';
      return {
        kind: 'subscription',
        channel: 'workspace',
        query: `subscription { agentWorkspaceEvents { workspaceId type } }`,
        refusedOnSubscribe: true,
        trigger: async () => {
          created = await createWorkspaceAs(h, h.teammate.credentials, h.world.org.id, h.orgOnly.id);
        },
        isAbout: (e) => e.agentWorkspaceEvents.workspaceId === created,
        receivedBy: [],
      };
    },
  },

  'Subscription.agentLease': {
    expected: AGENT_ONLY,
    arrange: async (h) => {
      let created = '';
      return {
        kind: 'subscription',
        channel: 'workspace',
        query: `subscription { agentLease { role } }`,
        refusedOnSubscribe: true,
        trigger: async () => {
          created = await createWorkspaceAs(h, h.teammate.credentials, h.world.org.id, h.orgOnly.id);
        },
        isAbout: (e) => !!e.agentLease && !!created,
        receivedBy: [],
      };
    },
  },

  'Subscription.workspaceProviderEvents': {
    expected: SIGNED_IN,
    arrange: async (h) => {
      const provider = await freshProvider(h, [h.world.org.id]);
      return {
        kind: 'subscription',
        channel: 'provider',
        query: PROVIDER_EVENTS,
        trigger: async () => {
          await gql(h, `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "upgrade") { id } }`, {
            id: provider.id,
          });
        },
        isAbout: (e) =>
          e.workspaceProviderEvents.providerId === provider.id &&
          e.workspaceProviderEvents.type === 'CORDON_CHANGED',
        receivedBy: ['member', 'orgAdmin', 'siteManager', 'siteAdmin'],
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
      };
    },
  },

  'Subscription.workspaceEvents': {
    expected: SIGNED_IN,
    arrange: async (h) => {
      let created = '';
      return {
        kind: 'subscription',
        channel: 'workspace',
        query: WORKSPACE_EVENTS,
        trigger: async () => {
          // The teammate's workspace: members hear about their organization's workspaces, not only their own.
          created = await createWorkspaceAs(h, h.teammate.credentials, h.world.org.id, h.orgOnly.id);
        },
        isAbout: (e) => e.workspaceEvents.workspaceId === created && e.workspaceEvents.type === 'CREATED',
        receivedBy: ['member', 'orgAdmin', 'siteManager', 'siteAdmin'],
        checkReceived: (events, persona) => {
          const own = organizationsOf(h, persona.name);
          if (own)
            for (const event of events) expect(own).toContain(event.workspaceEvents.workspace.organizationId);
        },
      };
    },
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

async function runRequest(h: Harness, persona: Persona, outcome: Outcome, request: RequestCase) {
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
function beacons(h: Harness, channel: SubscriptionCase['channel']) {
  const providerEvent = (providerId: string) =>
    notify(h.server.db, { topic: 'provider', type: 'UPDATED', providerId });
  const workspaceEvent = async (workspaceIds: string[]) => {
    for (const workspaceId of workspaceIds) {
      const ws = await h.server.db.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
      await notify(h.server.db, {
        topic: 'workspace',
        type: 'UPDATED',
        workspaceId,
        organizationId: ws.organizationId,
        providerId: ws.providerId,
      });
    }
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

async function runSubscription(
  h: Harness,
  persona: Persona,
  outcome: Outcome,
  subscription: SubscriptionCase,
) {
  const clients = [h.server.client.subscriptions(persona.credentials)];
  const recorder = new SubscriptionRecorder<any>(clients[0]!, subscription.query);
  const recorders = [recorder];
  try {
    if (outcome === 'UNAUTHENTICATED' || (outcome !== 'allowed' && subscription.refusedOnSubscribe)) {
      await recorder.waitFor(() => recorder.errors.length > 0 || recorder.completed);
      expect(errorCodes(recorder.errors)).toEqual([outcome]);
      expect(recorder.events).toEqual([]);
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

// --- The tests ---

describe('authorization matrix', () => {
  const server = useTestServer();
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
  });

  it('has cases for every Query, Mutation and Subscription field and every field that needs a site role', async () => {
    const required = new Set<string>();
    const addRootFields = (types: Array<GraphQLObjectType | null | undefined>) => {
      for (const type of types)
        for (const name of Object.keys(type?.getFields() ?? {})) required.add(`${type!.name}.${name}`);
    };
    const committed = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
    addRootFields([committed.getQueryType(), committed.getMutationType(), committed.getSubscriptionType()]);
    // The running server's schema too, in case schema.graphql was not regenerated after a field was added.
    const live = await server.client.data<any>(`{
      __schema { types { name fields { name } } queryType { name } mutationType { name } subscriptionType { name } }
    }`);
    const rootNames = [
      live.__schema.queryType,
      live.__schema.mutationType,
      live.__schema.subscriptionType,
    ].map((type) => type?.name);
    for (const type of live.__schema.types) {
      if (rootNames.includes(type.name))
        for (const field of type.fields) required.add(`${type.name}.${field.name}`);
    }
    // The SDL does not say which fields need a site role; type-graphql's metadata, complete once the server
    // built its schema, does (@Authorized('ADMIN', …) on a field or field resolver).
    for (const objectType of getMetadataStorage().objectTypes) {
      for (const field of objectType.fields ?? []) {
        if (field.roles?.length) required.add(`${objectType.name}.${field.name}`);
      }
    }

    const keys = new Set(Object.keys(matrix));
    const missing = [...required].filter((key) => !keys.has(key)).sort();
    const extra = [...keys].filter((key) => !required.has(key)).sort();
    expect(
      { missing, extra },
      'add authorization cases for missing fields; remove cases of fields that are gone',
    ).toEqual({
      missing: [],
      extra: [],
    });
  });

  for (const [field, cases] of Object.entries(matrix)) {
    describe(field, () => {
      it.each(PERSONA_NAMES.map((name) => ({ name, outcome: cases.expected[name] })))(
        '$name: $outcome',
        async ({ name, outcome }) => {
          const persona = h.world.personas[name];
          const arranged = await cases.arrange(h, persona);
          if (arranged.kind === 'request') await runRequest(h, persona, outcome, arranged);
          else await runSubscription(h, persona, outcome, arranged);
        },
      );
    });
  }
});
