import type { Credentials, GraphQLTestClient } from '@outpost/testing';
import { apiTokenFor, PASSWORD } from './server.js';

/**
 * What an admin and a member do through the public GraphQL API in these tests, one method per step,
 * so the tests read like the steps a user takes.
 */

export interface ProviderView {
  id: string;
  name: string;
  status: 'PENDING' | 'READY' | 'ERROR';
  statusMessage: string | null;
  statusChangedAt: string;
  lastHeartbeatAt: string | null;
  checkResults: Array<{ name: string; passed: boolean; message: string }> | null;
  agentCredentials: Array<{ isRegistration: boolean; revokedAt: string | null }> | null;
}

export interface AgentConnectionView {
  instanceId: string;
  connectedAt: string;
  lastSeenAt: string;
  holdsLease: boolean;
}

/** `WorkspaceProvider.agents`: who holds the agent lease, and who stands by. */
export interface ProviderAgentsView {
  leaseHolder: AgentConnectionView | null;
  standbys: AgentConnectionView[];
  standbyCount: number;
}

export interface WorkspaceView {
  id: string;
  name: string;
  providerId: string;
  desiredState: string;
  observedPhase: string | null;
  observedMessage: string | null;
}

const PROVIDER_FIELDS = `id name status statusMessage statusChangedAt lastHeartbeatAt
  checkResults { name passed message } agentCredentials { isRegistration revokedAt }`;
const WORKSPACE_FIELDS = 'id name providerId desiredState observedPhase observedMessage';

let users = 0;

export class OutpostApi {
  constructor(
    readonly client: GraphQLTestClient,
    readonly admin: Credentials,
  ) {}

  /** `outpost providers create`: a PENDING provider and its one-time registration token. */
  async createProvider(input: {
    name: string;
    namespace: string;
    clusterAddress: string;
    region?: string;
    organizationIds?: string[];
  }): Promise<{ id: string; registrationToken: string }> {
    const { createWorkspaceProvider } = await this.client.data(
      `mutation($input: CreateWorkspaceProviderInput!) {
        createWorkspaceProvider(input: $input) { provider { id status } registrationToken { token } }
      }`,
      {
        input: { ...input, region: input.region ?? input.name, organizationIds: input.organizationIds ?? [] },
      },
      this.admin,
    );
    if (createWorkspaceProvider.provider.status !== 'PENDING') {
      throw new Error(`a new provider should be PENDING: ${JSON.stringify(createWorkspaceProvider)}`);
    }
    return {
      id: createWorkspaceProvider.provider.id,
      registrationToken: createWorkspaceProvider.registrationToken.token,
    };
  }

  async provider(id: string): Promise<ProviderView> {
    const { workspaceProvider } = await this.client.data(
      `query($id: ID!) { workspaceProvider(id: $id) { ${PROVIDER_FIELDS} } }`,
      { id },
      this.admin,
    );
    return workspaceProvider;
  }

  async agents(id: string): Promise<ProviderAgentsView> {
    const fields = 'instanceId connectedAt lastSeenAt holdsLease';
    const { workspaceProvider } = await this.client.data(
      `query($id: ID!) {
        workspaceProvider(id: $id) { agents { leaseHolder { ${fields} } standbys { ${fields} } standbyCount } }
      }`,
      { id },
      this.admin,
    );
    return workspaceProvider.agents;
  }

  /**
   * The provider's recorded transitions (provider_status_events), oldest first, as `FROM→TO`; the
   * first status has no FROM (`→PENDING`).
   */
  async statusHistory(id: string): Promise<string[]> {
    const { workspaceProvider } = await this.client.data<{
      workspaceProvider: { statusHistory: Array<{ fromStatus: string | null; toStatus: string }> };
    }>(
      `query($id: ID!) { workspaceProvider(id: $id) { statusHistory(first: 100) { fromStatus toStatus } } }`,
      { id },
      this.admin,
    );
    return workspaceProvider.statusHistory
      .map((event) => `${event.fromStatus ?? ''}→${event.toStatus}`)
      .reverse();
  }

  async updateProvider(id: string, input: { displayName?: string }): Promise<void> {
    await this.client.data(
      `mutation($id: ID!, $input: UpdateWorkspaceProviderInput!) { updateWorkspaceProvider(id: $id, input: $input) { id } }`,
      { id, input },
      this.admin,
    );
  }

  async setCordoned(id: string, cordoned: boolean): Promise<void> {
    await this.client.data(
      cordoned
        ? `mutation($id: ID!) { cordonWorkspaceProvider(id: $id, reason: "e2e") { id } }`
        : `mutation($id: ID!) { uncordonWorkspaceProvider(id: $id) { id } }`,
      { id },
      this.admin,
    );
  }

  async revokeAgentCredentials(id: string): Promise<ProviderView> {
    const { revokeAgentCredentials } = await this.client.data(
      `mutation($id: ID!) { revokeAgentCredentials(providerId: $id) { ${PROVIDER_FIELDS} } }`,
      { id },
      this.admin,
    );
    return revokeAgentCredentials;
  }

  async createOrganization(slug: string): Promise<{ id: string; slug: string }> {
    const { createOrganization } = await this.client.data(
      `mutation($s: String!) { createOrganization(name: $s, slug: $s) { id slug } }`,
      { s: slug },
      this.admin,
    );
    return createOrganization;
  }

  /** A site MEMBER who belongs to the organization, signed in with an API token. */
  async createMember(organizationId: string): Promise<Credentials> {
    const email = `member-${++users}-${Date.now()}@example.com`;
    await this.client.data(
      `mutation($e: String!, $p: String!) { createUser(email: $e, name: "Member", password: $p, siteRole: MEMBER) { id } }`,
      { e: email, p: PASSWORD },
      this.admin,
    );
    await this.client.data(
      `mutation($o: ID!, $e: String!) { addOrganizationMember(organizationId: $o, email: $e, role: MEMBER) { userId } }`,
      { o: organizationId, e: email },
      this.admin,
    );
    return { token: await apiTokenFor(this.client, email) };
  }

  async createWorkspace(
    as: Credentials,
    input: { organizationId: string; providerId: string; name: string },
  ): Promise<WorkspaceView> {
    const { createWorkspace } = await this.client.data(
      `mutation($o: ID!, $p: ID, $n: String!) {
        createWorkspace(organizationId: $o, providerId: $p, name: $n) { ${WORKSPACE_FIELDS} }
      }`,
      { o: input.organizationId, p: input.providerId, n: input.name },
      as,
    );
    return createWorkspace;
  }

  async deleteWorkspace(as: Credentials, id: string): Promise<void> {
    await this.client.data(`mutation($id: ID!) { deleteWorkspace(id: $id) { id } }`, { id }, as);
  }

  async workspaces(as: Credentials, options: { includeDeleted?: boolean } = {}): Promise<WorkspaceView[]> {
    const { workspaces } = await this.client.data(
      `query($d: Boolean!) { workspaces(includeDeleted: $d) { ${WORKSPACE_FIELDS} } }`,
      { d: options.includeDeleted ?? false },
      as,
    );
    return workspaces;
  }
}
