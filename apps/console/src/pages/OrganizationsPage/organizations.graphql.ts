import { graphql } from '../../generated';

/** Every organization (site staff see all), with members and the providers each may use. */
export const OrganizationsQuery = graphql(`
  query Organizations {
    organizations {
      id
      name
      slug
      members {
        userId
        email
        name
        role
      }
      allowedProviders {
        id
        name
        displayName
        status
      }
    }
  }
`);

export const CreateOrganizationMutation = graphql(`
  mutation CreateOrganization($name: String!, $slug: String!) {
    createOrganization(name: $name, slug: $slug) {
      id
      name
      slug
      members {
        userId
        email
        name
        role
      }
      allowedProviders {
        id
        name
        displayName
        status
      }
    }
  }
`);

/** Adding an existing member changes their role; the page merges the result into the cached members. */
export const AddOrganizationMemberMutation = graphql(`
  mutation AddOrganizationMember($organizationId: ID!, $email: String!, $role: OrganizationRole!) {
    addOrganizationMember(organizationId: $organizationId, email: $email, role: $role) {
      userId
      email
      name
      role
    }
  }
`);

/** Returns the organization, so the cache replaces its members. */
export const RemoveOrganizationMemberMutation = graphql(`
  mutation RemoveOrganizationMember($organizationId: ID!, $userId: ID!) {
    removeOrganizationMember(organizationId: $organizationId, userId: $userId) {
      id
      members {
        userId
        email
        name
        role
      }
    }
  }
`);

/** The members of one cached organization, to merge an added member into. */
export const OrganizationMembersFragment = graphql(`
  fragment OrganizationMembers on Organization {
    id
    members {
      userId
      email
      name
      role
    }
  }
`);
