import { graphql } from '../../generated';

/** What a collapsed row shows. */
export const ProviderRowFragment = graphql(`
  fragment ProviderRow on WorkspaceProvider {
    id
    name
    displayName
    region
    status
    statusMessage
    statusChangedAt
    isDefault
    cordoned
    cordonReason
    lastHeartbeatAt
    workspaceCount
    allowedOrganizations {
      id
    }
  }
`);

/** What an expanded row adds. */
export const ProviderDetailsFragment = graphql(`
  fragment ProviderDetails on WorkspaceProvider {
    id
    kind
    statusMessage
    clusterAddress
    namespace
    accessUrl
    agentVersion
    kubernetesVersion
    chartVersion
    versionWarning
    checkResults {
      name
      passed
      message
    }
    statusHistory(first: 20) {
      id
      fromStatus
      toStatus
      message
      at
    }
    allowedOrganizations {
      id
      name
      slug
    }
    workspaceCountsByOrganization {
      count
      organization {
        id
      }
    }
  }
`);

/** One page of the list; the page loads them all (a few hundred bytes per provider). */
export const WorkspaceProvidersQuery = graphql(`
  query WorkspaceProviders($first: Int!, $after: String) {
    workspaceProviders(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ProviderRow
        }
      }
    }
  }
`);

export const ProviderDetailsQuery = graphql(`
  query ProviderDetails($id: ID!) {
    workspaceProvider(id: $id) {
      ...ProviderRow
      ...ProviderDetails
    }
  }
`);

/**
 * Fields are re-read by the server when an event is delivered; selecting both fragments lets Apollo's
 * cache update the row and, if open, its details without another request.
 */
export const ProviderEventsSubscription = graphql(`
  subscription ProviderEvents {
    workspaceProviderEvents {
      type
      providerId
      provider {
        ...ProviderRow
        ...ProviderDetails
      }
    }
  }
`);

export const SetDefaultProviderMutation = graphql(`
  mutation SetDefaultProvider($id: ID!) {
    setDefaultWorkspaceProvider(id: $id) {
      ...ProviderRow
    }
  }
`);

export const CordonProviderMutation = graphql(`
  mutation CordonProvider($id: ID!, $reason: String!) {
    cordonWorkspaceProvider(id: $id, reason: $reason) {
      ...ProviderRow
    }
  }
`);

export const UncordonProviderMutation = graphql(`
  mutation UncordonProvider($id: ID!) {
    uncordonWorkspaceProvider(id: $id) {
      ...ProviderRow
    }
  }
`);

export const AllowlistOrganizationsQuery = graphql(`
  query AllowlistOrganizations {
    organizations {
      id
      name
      slug
    }
  }
`);

export const AddToAllowlistMutation = graphql(`
  mutation AddToAllowlist($providerId: ID!, $organizationId: ID!) {
    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {
      ...ProviderRow
      ...ProviderDetails
    }
  }
`);

export const RemoveFromAllowlistMutation = graphql(`
  mutation RemoveFromAllowlist($providerId: ID!, $organizationId: ID!) {
    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {
      ...ProviderRow
      ...ProviderDetails
    }
  }
`);
