import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Credentials, GraphQLResponse } from '@outpost/testing';
import { hashToken } from '../src/auth/tokens.js';
import { PASSWORD, setProviderStatus, tokenFor, useTestServer } from './helpers.js';
import { expectNoChange, UNKNOWN_ID } from './assertions.js';

// docs/architecture.md "Audit": every mutation writes an AuditEvent (actor, action, target, before/after),
// in the same transaction as the change, and a mutation that fails writes nothing. The table below has one
// entry per Mutation field of the committed schema: how to make it succeed, what its audit event must say,
// and how to make it fail. A new mutation without an entry (or a checked exemption, see EXEMPT) fails the
// first test.

const server = useTestServer();

/** Ids and credentials the cases create and hand on to later cases; they run in table order. */
const state = {
  adminId: '',
  adminEmail: 'auditor@example.com',
  admin: {} as Credentials,
  sessionCookie: '',
  spareTokenId: '',
  userId: '',
  userEmail: 'audited-user@example.com',
  user: {} as Credentials,
  organization: { id: '', slug: 'audited-org' },
  providerId: '',
  workspaceId: '',
  /** A provider of its own for the agent-secret cases, and the secrets they hand on. */
  agentProviderId: '',
  registrationToken: '',
  agentCredential: {} as Credentials,
};

const gql = (query: string, variables: Record<string, unknown> = {}, as: Credentials = state.admin) =>
  server.client.request<any>(query, variables, as);

async function ok(query: string, variables: Record<string, unknown> = {}, as: Credentials = state.admin) {
  const response = await gql(query, variables, as);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data;
}

interface ExpectedEvent {
  /** Null when no user acted: a provider agent, authenticated by its own token. */
  actorId: string | null;
  targetType: string;
  targetId: string;
  /** Exact value or asymmetric matcher; omitted means the event must have none. */
  before?: unknown;
  after?: unknown;
}

type Send = (
  query: string,
  variables?: Record<string, unknown>,
  as?: Credentials,
) => Promise<GraphQLResponse<any>>;

interface Case {
  action: string;
  /** Arranges what it needs, then calls `send` exactly once with the mutation under test. */
  succeed(send: Send): Promise<ExpectedEvent>;
  /** The same mutation, refused. */
  fail(): Promise<GraphQLResponse<any>>;
  failCode: string;
}

const PROVIDER_INPUT = {
  name: 'audited',
  region: 'eu-west',
  clusterAddress: 'https://audited.k8s.example.com:6443',
  namespace: 'workspaces',
};

const CASES: Record<string, Case> = {
  setupFirstAdmin: {
    action: 'auth.setupFirstAdmin',
    async succeed(send) {
      const response = await send(
        `mutation($e: String!, $p: String!) {
          setupFirstAdmin(email: $e, name: "Auditor", password: $p) { id } }`,
        { e: state.adminEmail, p: PASSWORD },
        {},
      );
      state.adminId = response.data.setupFirstAdmin.id;
      state.admin = { token: await tokenFor(server.client, state.adminEmail) };
      return {
        actorId: state.adminId,
        targetType: 'User',
        targetId: state.adminId,
        after: { email: state.adminEmail, via: 'api' },
      };
    },
    fail: () =>
      gql(
        `mutation($p: String!) {
          setupFirstAdmin(email: "second@example.com", name: "Second", password: $p) { id } }`,
        { p: PASSWORD },
        {},
      ),
    failCode: 'PRECONDITION_FAILED',
  },

  login: {
    action: 'auth.login',
    async succeed(send) {
      const response = (await send(
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { user { id } } }`,
        { e: state.adminEmail, p: PASSWORD },
        {},
      )) as GraphQLResponse<any> & { headers: Headers };
      state.sessionCookie = response.headers.get('set-cookie')!.split(';')[0]!;
      return { actorId: state.adminId, targetType: 'User', targetId: state.adminId };
    },
    fail: () =>
      gql(
        `mutation($e: String!) { login(email: $e, password: "wrong-password-entirely") { user { id } } }`,
        { e: state.adminEmail },
        {},
      ),
    failCode: 'UNAUTHENTICATED',
  },

  createApiToken: {
    action: 'apiToken.create',
    async succeed(send) {
      const response = await send(
        `mutation { createApiToken(name: "spare", expiresInDays: 7) { token apiToken { id expiresAt } } }`,
        {},
        { cookie: state.sessionCookie },
      );
      const { token, apiToken } = response.data.createApiToken;
      state.spareTokenId = apiToken.id;
      // The secret itself must never reach the audit log.
      expect(JSON.stringify(await server.db.auditEvent.findMany())).not.toContain(token);
      return {
        actorId: state.adminId,
        targetType: 'ApiToken',
        targetId: apiToken.id,
        after: { name: 'spare', expiresAt: apiToken.expiresAt },
      };
    },
    fail: () => gql(`mutation { createApiToken(name: "") { token } }`),
    failCode: 'BAD_USER_INPUT',
  },

  revokeApiToken: {
    action: 'apiToken.revoke',
    async succeed(send) {
      await send(`mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }`, {
        id: state.spareTokenId,
      });
      return { actorId: state.adminId, targetType: 'ApiToken', targetId: state.spareTokenId };
    },
    fail: () => gql(`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: UNKNOWN_ID }),
    failCode: 'NOT_FOUND',
  },

  logout: {
    action: 'auth.logout',
    async succeed(send) {
      await send(`mutation { logout }`, {}, { cookie: state.sessionCookie });
      return { actorId: state.adminId, targetType: 'User', targetId: state.adminId };
    },
    fail: () => gql(`mutation { logout }`, {}, {}),
    failCode: 'UNAUTHENTICATED',
  },

  createUser: {
    action: 'user.create',
    async succeed(send) {
      const response = await send(
        `mutation($e: String!, $p: String!) {
          createUser(email: $e, name: "Audited", password: $p, siteRole: MEMBER) { id } }`,
        { e: state.userEmail, p: PASSWORD },
      );
      state.userId = response.data.createUser.id;
      state.user = { token: await tokenFor(server.client, state.userEmail) };
      return {
        actorId: state.adminId,
        targetType: 'User',
        targetId: state.userId,
        after: { email: state.userEmail, name: 'Audited', siteRole: 'MEMBER' },
      };
    },
    fail: () =>
      gql(`mutation($p: String!) { createUser(email: "not-an-email", name: "X", password: $p) { id } }`, {
        p: PASSWORD,
      }),
    failCode: 'BAD_USER_INPUT',
  },

  createOrganization: {
    action: 'organization.create',
    async succeed(send) {
      const response = await send(
        `mutation($s: String!) { createOrganization(name: "Audited Org", slug: $s) { id } }`,
        {
          s: state.organization.slug,
        },
      );
      state.organization.id = response.data.createOrganization.id;
      return {
        actorId: state.adminId,
        targetType: 'Organization',
        targetId: state.organization.id,
        after: { name: 'Audited Org', slug: state.organization.slug, allowlistedOn: ['built-in'] },
      };
    },
    fail: () =>
      gql(`mutation($s: String!) { createOrganization(name: "Again", slug: $s) { id } }`, {
        s: state.organization.slug,
      }),
    failCode: 'CONFLICT',
  },

  addOrganizationMember: {
    action: 'organization.addMember',
    async succeed(send) {
      await send(
        `mutation($o: ID!, $e: String!) {
          addOrganizationMember(organizationId: $o, email: $e, role: MEMBER) { userId } }`,
        { o: state.organization.id, e: state.userEmail },
      );
      return {
        actorId: state.adminId,
        targetType: 'Organization',
        targetId: state.organization.id,
        after: { email: state.userEmail, role: 'MEMBER' },
      };
    },
    fail: () =>
      gql(
        `mutation($o: ID!) {
          addOrganizationMember(organizationId: $o, email: "nobody@example.com") { userId } }`,
        { o: state.organization.id },
      ),
    failCode: 'NOT_FOUND',
  },

  removeOrganizationMember: {
    action: 'organization.removeMember',
    async succeed(send) {
      // A second member to remove; the first one stays to create workspaces below.
      const extra = await ok(
        `mutation($p: String!) {
          createUser(email: "leaving@example.com", name: "Leaving", password: $p) { id } }`,
        { p: PASSWORD },
      );
      await ok(
        `mutation($o: ID!) {
          addOrganizationMember(organizationId: $o, email: "leaving@example.com", role: ADMIN) { userId } }`,
        { o: state.organization.id },
      );
      await send(
        `mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { id } }`,
        {
          o: state.organization.id,
          u: extra.createUser.id,
        },
      );
      return {
        actorId: state.adminId,
        targetType: 'Organization',
        targetId: state.organization.id,
        before: { email: 'leaving@example.com', role: 'ADMIN' },
      };
    },
    fail: () =>
      gql(`mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { id } }`, {
        o: state.organization.id,
        u: UNKNOWN_ID,
      }),
    failCode: 'NOT_FOUND',
  },

  createWorkspaceProvider: {
    action: 'workspaceProvider.create',
    async succeed(send) {
      const response = await send(
        `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) { provider { id } } }`,
        { input: { ...PROVIDER_INPUT, organizationIds: [state.organization.id] } },
      );
      state.providerId = response.data.createWorkspaceProvider.provider.id;
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        after: expect.objectContaining({
          ...PROVIDER_INPUT,
          displayName: 'audited',
          isDefault: false,
          cordoned: false,
          organizationIds: [state.organization.id],
        }),
      };
    },
    fail: () =>
      gql(
        `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) { provider { id } } }`,
        {
          input: { ...PROVIDER_INPUT, name: 'Not_A_Label' },
        },
      ),
    failCode: 'BAD_USER_INPUT',
  },

  updateWorkspaceProvider: {
    action: 'workspaceProvider.update',
    async succeed(send) {
      await send(
        `mutation($id: ID!) {
          updateWorkspaceProvider(
            id: $id
            input: { region: "us-east", accessUrl: "https://ws.example.com" }
          ) {
            id
          }
        }`,
        { id: state.providerId },
      );
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: expect.objectContaining({ region: 'eu-west', accessUrl: null }),
        after: expect.objectContaining({ region: 'us-east', accessUrl: 'https://ws.example.com' }),
      };
    },
    fail: () =>
      gql(`mutation($id: ID!) { updateWorkspaceProvider(id: $id, input: { region: "" }) { id } }`, {
        id: state.providerId,
      }),
    failCode: 'BAD_USER_INPUT',
  },

  renameWorkspaceProvider: {
    action: 'workspaceProvider.rename',
    async succeed(send) {
      await send(`mutation($id: ID!) { renameWorkspaceProvider(id: $id, name: "audited-renamed") { id } }`, {
        id: state.providerId,
      });
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: { name: 'audited' },
        after: { name: 'audited-renamed' },
      };
    },
    fail: async () => {
      const builtIn = await server.db.workspaceProvider.findUniqueOrThrow({ where: { name: 'built-in' } });
      return gql(`mutation($id: ID!) { renameWorkspaceProvider(id: $id, name: "renamed") { id } }`, {
        id: builtIn.id,
      });
    },
    failCode: 'PRECONDITION_FAILED',
  },

  setDefaultWorkspaceProvider: {
    action: 'workspaceProvider.setDefault',
    async succeed(send) {
      await send(`mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`, {
        id: state.providerId,
      });
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: { defaultProvider: ['built-in'] },
        after: { defaultProvider: 'audited-renamed' },
      };
    },
    fail: () => gql(`mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`, { id: UNKNOWN_ID }),
    failCode: 'NOT_FOUND',
  },

  cordonWorkspaceProvider: {
    action: 'workspaceProvider.cordon',
    async succeed(send) {
      await send(`mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "kernel upgrade") { id } }`, {
        id: state.providerId,
      });
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: { cordoned: false, cordonReason: null },
        after: { cordoned: true, cordonReason: 'kernel upgrade' },
      };
    },
    fail: () =>
      gql(
        `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "members may not") { id } }`,
        { id: state.providerId },
        state.user,
      ),
    failCode: 'FORBIDDEN',
  },

  uncordonWorkspaceProvider: {
    action: 'workspaceProvider.uncordon',
    async succeed(send) {
      await send(`mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }`, {
        id: state.providerId,
      });
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: { cordoned: true, cordonReason: 'kernel upgrade' },
        after: { cordoned: false, cordonReason: null },
      };
    },
    fail: () => gql(`mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }`, { id: UNKNOWN_ID }),
    failCode: 'NOT_FOUND',
  },

  removeOrganizationFromProviderAllowlist: {
    action: 'workspaceProvider.allowlist.remove',
    async succeed(send) {
      await send(
        `mutation($p: ID!, $o: ID!) {
          removeOrganizationFromProviderAllowlist(providerId: $p, organizationId: $o) { id } }`,
        { p: state.providerId, o: state.organization.id },
      );
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: { organization: state.organization.slug },
      };
    },
    // Removed above: nothing left to remove.
    fail: () =>
      gql(
        `mutation($p: ID!, $o: ID!) {
          removeOrganizationFromProviderAllowlist(providerId: $p, organizationId: $o) { id } }`,
        { p: state.providerId, o: state.organization.id },
      ),
    failCode: 'NOT_FOUND',
  },

  addOrganizationToProviderAllowlist: {
    action: 'workspaceProvider.allowlist.add',
    async succeed(send) {
      await send(
        `mutation($p: ID!, $o: ID!) {
          addOrganizationToProviderAllowlist(providerId: $p, organizationId: $o) { id } }`,
        { p: state.providerId, o: state.organization.id },
      );
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        after: { organization: state.organization.slug },
      };
    },
    fail: () =>
      gql(
        `mutation($p: ID!, $o: ID!) {
          addOrganizationToProviderAllowlist(providerId: $p, organizationId: $o) { id } }`,
        { p: state.providerId, o: state.organization.id },
      ),
    failCode: 'CONFLICT',
  },

  createWorkspace: {
    action: 'workspace.create',
    async succeed(send) {
      await setProviderStatus(server.db, state.providerId, 'READY', 'test: agent connected');
      const response = await send(
        `mutation($o: ID!, $p: ID!) {
          createWorkspace(organizationId: $o, providerId: $p, name: "audited-ws") { id } }`,
        { o: state.organization.id, p: state.providerId },
        state.user,
      );
      state.workspaceId = response.data.createWorkspace.id;
      return {
        actorId: state.userId,
        targetType: 'Workspace',
        targetId: state.workspaceId,
        after: { name: 'audited-ws', organization: state.organization.slug, provider: 'audited-renamed' },
      };
    },
    // The built-in provider is still PENDING.
    fail: async () => {
      const builtIn = await server.db.workspaceProvider.findUniqueOrThrow({ where: { name: 'built-in' } });
      return gql(
        `mutation($o: ID!, $p: ID!) {
          createWorkspace(organizationId: $o, providerId: $p, name: "refused") { id } }`,
        { o: state.organization.id, p: builtIn.id },
        state.user,
      );
    },
    failCode: 'PRECONDITION_FAILED',
  },

  deleteWorkspace: {
    action: 'workspace.delete',
    async succeed(send) {
      await send(
        `mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`,
        { id: state.workspaceId },
        state.user,
      );
      return {
        actorId: state.userId,
        targetType: 'Workspace',
        targetId: state.workspaceId,
        before: { desiredState: 'RUNNING' },
        after: { desiredState: 'DELETED' },
      };
    },
    // Already deleted.
    fail: () =>
      gql(`mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`, { id: state.workspaceId }, state.user),
    failCode: 'NOT_FOUND',
  },

  deleteWorkspaceProvider: {
    action: 'workspaceProvider.delete',
    async succeed(send) {
      const builtIn = await server.db.workspaceProvider.findUniqueOrThrow({ where: { name: 'built-in' } });
      await ok(`mutation($id: ID!) { setDefaultWorkspaceProvider(id: $id) { id } }`, { id: builtIn.id });
      await send(`mutation($id: ID!) { deleteWorkspaceProvider(id: $id) { id } }`, { id: state.providerId });
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.providerId,
        before: expect.objectContaining({ name: 'audited-renamed', region: 'us-east', isDefault: false }),
      };
    },
    // Deleted above.
    fail: () =>
      gql(`mutation($id: ID!) { deleteWorkspaceProvider(id: $id) { id } }`, { id: state.providerId }),
    failCode: 'NOT_FOUND',
  },

  // --- Agent secrets (apps/agent/PROTOCOL.md "Tokens"), on a provider of their own. ---

  issueProviderRegistrationToken: {
    action: 'workspaceProvider.issueRegistrationToken',
    async succeed(send) {
      const created = await ok(
        `mutation($input: CreateWorkspaceProviderInput!) { createWorkspaceProvider(input: $input) { provider { id } } }`,
        { input: { ...PROVIDER_INPUT, name: 'audited-agent' } },
      );
      state.agentProviderId = created.createWorkspaceProvider.provider.id;
      const response = await send(
        `mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token expiresAt } }`,
        { id: state.agentProviderId },
      );
      const { token, expiresAt } = response.data.issueProviderRegistrationToken;
      state.registrationToken = token;
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.agentProviderId,
        after: { expiresAt },
      };
    },
    fail: () =>
      gql(`mutation($id: ID!) { issueProviderRegistrationToken(providerId: $id) { token } }`, {
        id: UNKNOWN_ID,
      }),
    failCode: 'NOT_FOUND',
  },

  registerAgent: {
    action: 'agent.register',
    async succeed(send) {
      const response = await send(
        `mutation { registerAgent { credential } }`,
        {},
        { token: state.registrationToken },
      );
      state.agentCredential = { token: response.data.registerAgent.credential };
      return {
        actorId: null,
        targetType: 'WorkspaceProvider',
        targetId: state.agentProviderId,
        after: { provider: 'audited-agent' },
      };
    },
    // The token was used above.
    fail: () => gql(`mutation { registerAgent { credential } }`, {}, { token: state.registrationToken }),
    failCode: 'UNAUTHENTICATED',
  },

  rotateAgentCredential: {
    action: 'agent.rotateCredential',
    async succeed(send) {
      const previous = state.agentCredential;
      const response = await send(`mutation { rotateAgentCredential { credential } }`, {}, previous);
      state.agentCredential = { token: response.data.rotateAgentCredential.credential };
      const old = await server.db.agentCredential.findUniqueOrThrow({
        where: { tokenHash: hashToken(previous.token!) },
      });
      return {
        actorId: null,
        targetType: 'WorkspaceProvider',
        targetId: state.agentProviderId,
        after: { provider: 'audited-agent', previousCredentialExpiresAt: old.expiresAt!.toISOString() },
      };
    },
    // A user's token is not an agent's.
    fail: () => gql(`mutation { rotateAgentCredential { credential } }`, {}, state.user),
    failCode: 'FORBIDDEN',
  },

  revokeAgentCredentials: {
    action: 'workspaceProvider.revokeAgentCredentials',
    async succeed(send) {
      await send(`mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { id } }`, {
        id: state.agentProviderId,
      });
      return {
        actorId: state.adminId,
        targetType: 'WorkspaceProvider',
        targetId: state.agentProviderId,
        // The rotated credential and its predecessor, still in its overlap window; the tokens were spent.
        after: { revoked: 2 },
      };
    },
    fail: () =>
      gql(`mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { id } }`, { id: UNKNOWN_ID }),
    failCode: 'NOT_FOUND',
  },
};

interface Telemetry {
  providerId: string;
  agent: Credentials;
  workspaceId: string;
}

/**
 * Mutations that deliberately write NO audit event: the provider agents' telemetry. Every agent heartbeats
 * every 5 s and re-reports its checks and workspaces every resync, so auditing these would flood the log
 * and bury the admin actions it exists for. What they change is recorded where it belongs instead:
 * status transitions as ProviderStatusEvents (statusHistory), observations on the workspace rows.
 * This list is itself tested: each entry must be a mutation of the schema, and a successful call (one
 * that really changes something) must leave the audit table exactly as it was.
 */
const EXEMPT: Record<string, { why: string; succeed(t: Telemetry): Promise<void> }> = {
  reportAgentStatus: {
    why: 'status transitions are ProviderStatusEvents',
    async succeed(t) {
      const before = await server.db.providerStatusEvent.count({ where: { providerId: t.providerId } });
      const data = await ok(
        `mutation($input: AgentStatusInput!) { reportAgentStatus(input: $input) { status } }`,
        {
          input: {
            agentVersion: '0.1.0',
            protocolVersion: 1,
            checks: [
              { name: 'kubernetes-api', passed: true, message: 'answers' },
              { name: 'namespace', passed: true, message: 'exists' },
              { name: 'rbac', passed: false, message: 'cannot create pods: apply the chart Role' },
              { name: 'server-version', passed: true, message: 'speaks protocol 1' },
            ],
          },
        },
        t.agent,
      );
      // A real transition (READY → ERROR), recorded as a status event and not in the audit log.
      expect(data.reportAgentStatus.status).toBe('ERROR');
      expect(await server.db.providerStatusEvent.count({ where: { providerId: t.providerId } })).toBe(
        before + 1,
      );
    },
  },
  agentHeartbeat: {
    why: 'one every 5 s per provider',
    async succeed(t) {
      const { lastHeartbeatAt } = await server.db.workspaceProvider.findUniqueOrThrow({
        where: { id: t.providerId },
      });
      await ok(`mutation { agentHeartbeat { status } }`, {}, t.agent);
      const after = await server.db.workspaceProvider.findUniqueOrThrow({ where: { id: t.providerId } });
      expect(after.lastHeartbeatAt!.getTime()).toBeGreaterThan(lastHeartbeatAt?.getTime() ?? 0);
    },
  },
  reportWorkspaceStatus: {
    why: 'observations are stored on the workspace',
    async succeed(t) {
      const data = await ok(
        `mutation($o: [WorkspaceObservationInput!]!) { reportWorkspaceStatus(observations: $o) }`,
        { o: [{ workspaceId: t.workspaceId, phase: 'Running', message: 'pod ready' }] },
        t.agent,
      );
      expect(data.reportWorkspaceStatus).toBe(1);
    },
  },
};

function committedMutationNames(): string[] {
  const sdl = readFileSync(fileURLToPath(new URL('../schema.graphql', import.meta.url)), 'utf8');
  return Object.keys(buildSchema(sdl).getMutationType()!.getFields()).sort();
}

describe('audit log', () => {
  beforeAll(async () => {
    // setupFirstAdmin can only succeed on a database without users.
    expect(await server.db.user.count()).toBe(0);
  });

  it('has a case or a checked exemption for every mutation of the schema, and for the schema the server runs', async () => {
    expect(Object.keys(CASES).filter((name) => name in EXEMPT)).toEqual([]);
    expect([...Object.keys(CASES), ...Object.keys(EXEMPT)].sort()).toEqual(committedMutationNames());
    const introspection = await gql(`{ __schema { mutationType { fields { name } } } }`, {}, {});
    const served = introspection.data.__schema.mutationType.fields
      .map((f: { name: string }) => f.name)
      .sort();
    expect(served).toEqual(committedMutationNames());
  });

  for (const [mutation, c] of Object.entries(CASES)) {
    it(`${mutation} writes one "${c.action}" event; refused, it writes nothing`, async () => {
      let written: string[] | undefined;
      const send: Send = async (query, variables = {}, as = state.admin) => {
        expect(written, 'succeed() must call send() exactly once').toBeUndefined();
        const before = new Set(
          (await server.db.auditEvent.findMany({ select: { id: true } })).map((e) => e.id),
        );
        const response = await gql(query, variables, as);
        expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
        const after = await server.db.auditEvent.findMany({ select: { id: true } });
        written = after.map((e) => e.id).filter((id) => !before.has(id));
        return response;
      };
      const startedAt = Date.now();
      const expected = await c.succeed(send);
      expect(written).toHaveLength(1);

      // Read back through the API, as an admin reviewing the log would.
      const { auditEvents } = await ok(
        `query($action: String!) { auditEvents(first: 100, action: $action) {
          id actorId action targetType targetId before after at } }`,
        { action: c.action },
      );
      const event = auditEvents.find((e: { id: string }) => e.id === written![0]);
      expect(event, `event ${written![0]} not served by auditEvents`).toBeDefined();
      expect(event).toEqual({
        id: written![0],
        action: c.action,
        actorId: expected.actorId,
        targetType: expected.targetType,
        targetId: expected.targetId,
        before: expected.before ?? null,
        after: expected.after ?? null,
        at: expect.any(String),
      });
      expect(Date.parse(event.at)).toBeGreaterThanOrEqual(startedAt - 1000);
      // No password hash or token secret ever reaches the log.
      expect(JSON.stringify(event)).not.toMatch(/scrypt\$|op(?:at|ss|rg|ag)_/);

      const refused = await expectNoChange(server.db, c.fail);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(refused)).toBe(c.failCode);
    });
  }

  describe('exempt mutations', () => {
    const telemetry: Telemetry = { providerId: '', agent: {}, workspaceId: '' };

    beforeAll(async () => {
      // A READY provider with a registered agent and a workspace (these steps are audited; the exempt calls are not).
      const created = await ok(
        `mutation($input: CreateWorkspaceProviderInput!) {
          createWorkspaceProvider(input: $input) { provider { id } registrationToken { token } } }`,
        { input: { ...PROVIDER_INPUT, name: 'audited-telemetry', organizationIds: [state.organization.id] } },
      );
      telemetry.providerId = created.createWorkspaceProvider.provider.id;
      const registered = await ok(
        `mutation { registerAgent { credential } }`,
        {},
        { token: created.createWorkspaceProvider.registrationToken.token },
      );
      telemetry.agent = { token: registered.registerAgent.credential };
      await setProviderStatus(server.db, telemetry.providerId, 'READY', 'test: agent connected');
      const workspace = await ok(
        `mutation($o: ID!, $p: ID!) { createWorkspace(organizationId: $o, providerId: $p, name: "telemetry-ws") { id } }`,
        { o: state.organization.id, p: telemetry.providerId },
        state.user,
      );
      telemetry.workspaceId = workspace.createWorkspace.id;
    });

    for (const [mutation, exemption] of Object.entries(EXEMPT)) {
      it(`${mutation} writes no audit event (${exemption.why})`, async () => {
        const auditLog = () => server.db.auditEvent.findMany({ orderBy: { id: 'asc' } });
        const before = await auditLog();
        await exemption.succeed(telemetry);
        expect(await auditLog()).toEqual(before);
      });
    }
  });
});
