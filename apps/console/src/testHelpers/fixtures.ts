import type { ProviderDetailsQuery } from '../generated/graphql';

export type ProviderFixture = ProviderDetailsQuery['workspaceProvider'] & { __typename: 'WorkspaceProvider' };

export const acme = { __typename: 'Organization' as const, id: 'org-acme', name: 'Acme', slug: 'acme' };
export const globex = {
  __typename: 'Organization' as const,
  id: 'org-globex',
  name: 'Globex',
  slug: 'globex',
};
export const initech = {
  __typename: 'Organization' as const,
  id: 'org-initech',
  name: 'Initech',
  slug: 'initech',
};

/** A provider as the API returns it for ProviderRow + ProviderDetails, with __typename for the cache. */
export function providerFixture(overrides: Partial<ProviderFixture> = {}): ProviderFixture {
  return {
    __typename: 'WorkspaceProvider',
    id: 'prov-eu',
    name: 'eu-west',
    displayName: 'Europe West',
    kind: 'KUBERNETES',
    region: 'eu-west-1',
    status: 'READY',
    statusMessage: 'All checks passed; heartbeats are fresh.',
    statusChangedAt: '2026-01-10T09:00:00.000Z',
    isDefault: false,
    cordoned: false,
    cordonReason: null,
    lastHeartbeatAt: '2026-01-10T09:59:48.000Z',
    workspaceCount: 3,
    clusterAddress: 'https://k8s.eu-west.example.com:6443',
    namespace: 'outpost-workspaces',
    accessUrl: 'https://eu-west.workspaces.example.com',
    agentVersion: '0.1.0',
    kubernetesVersion: 'v1.37.2',
    chartVersion: '0.1.0',
    versionWarning: null,
    checkResults: [
      { __typename: 'ProviderCheckResult', name: 'api-reachable', passed: true, message: '' },
      {
        __typename: 'ProviderCheckResult',
        name: 'rbac',
        passed: false,
        message:
          'The agent cannot create pods in namespace outpost-workspaces: grant it the outpost-agent Role.',
      },
    ],
    statusHistory: [
      {
        __typename: 'ProviderStatusEvent',
        id: 'ev-2',
        fromStatus: 'PENDING',
        toStatus: 'READY',
        message: 'Agent registered; all checks passed.',
        at: '2026-01-10T09:00:00.000Z',
      },
      {
        __typename: 'ProviderStatusEvent',
        id: 'ev-1',
        fromStatus: null,
        toStatus: 'PENDING',
        message: 'Created; waiting for the agent.',
        at: '2026-01-10T08:00:00.000Z',
      },
    ],
    allowedOrganizations: [acme, globex],
    workspaceCountsByOrganization: [
      { __typename: 'OrganizationWorkspaceCount', count: 3, organization: acme },
    ],
    ...overrides,
  } as ProviderFixture;
}
