import { graphql } from '../../generated';

export const SetupFirstAdminMutation = graphql(`
  mutation SetupFirstAdmin($email: String!, $name: String!, $password: String!) {
    setupFirstAdmin(email: $email, name: $name, password: $password) {
      id
    }
  }
`);
