import { graphql } from '../../generated';

/** The list, with the names of the organizations and providers it refers to by id. */
export const WorkspacesQuery = graphql(`
  query Workspaces {
    workspaces(first: 100) {
      id
      name
      organizationId
      providerId
      desiredState
      observedPhase
      observedMessage
      updatedAt
    }
    organizations {
      id
      name
    }
    workspaceProviders(first: 100) {
      edges {
        node {
          id
          name
          displayName
        }
      }
    }
  }
`);

/** Any workspace created, changed or deleted: the page reloads the list. */
export const WorkspaceEventsSubscription = graphql(`
  subscription WorkspaceEvents {
    workspaceEvents {
      type
      workspaceId
    }
  }
`);

/** The organizations the viewer may create workspaces in. */
export const CreateWorkspaceOrganizationsQuery = graphql(`
  query CreateWorkspaceOrganizations {
    me {
      id
      memberships {
        role
        organization {
          id
          name
          slug
        }
      }
    }
  }
`);

/** The providers an organization may use, with what the picker needs to enable or explain them. */
export const OrganizationProvidersQuery = graphql(`
  query OrganizationProviders($id: ID!) {
    organization(id: $id) {
      id
      allowedProviders {
        id
        name
        displayName
        status
        cordoned
        cordonReason
        isDefault
      }
    }
  }
`);

export const CreateWorkspaceMutation = graphql(`
  mutation CreateWorkspace($organizationId: ID!, $name: String!, $providerId: ID) {
    createWorkspace(organizationId: $organizationId, name: $name, providerId: $providerId) {
      id
      name
      organizationId
      providerId
      desiredState
      observedPhase
    }
  }
`);
