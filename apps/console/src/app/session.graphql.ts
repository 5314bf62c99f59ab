import { graphql } from '../generated';

export const SessionQuery = graphql(`
  query Session {
    setupRequired
    me {
      id
      name
      email
      siteRole
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);
