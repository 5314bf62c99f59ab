/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Whoami {\n    me {\n      id\n      email\n      name\n      siteRole\n    }\n  }\n": typeof types.WhoamiDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        email\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation CreateApiToken($name: String!) {\n    createApiToken(name: $name) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n": typeof types.OrganizationsDocument,
    "\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n": typeof types.CreateOrganizationDocument,
    "\n  query ProviderAllowlist($name: String!) {\n    workspaceProvider(name: $name) {\n      allowedOrganizations {\n        id\n        name\n        slug\n        createdAt\n      }\n    }\n  }\n": typeof types.ProviderAllowlistDocument,
    "\n  mutation AllowlistAdd($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.AllowlistAddDocument,
    "\n  mutation AllowlistRemove($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.AllowlistRemoveDocument,
    "\n  subscription ProviderEvents($providerId: ID) {\n    workspaceProviderEvents(providerId: $providerId) {\n      type\n      providerId\n      provider {\n        name\n        status\n        isDefault\n        cordoned\n      }\n    }\n  }\n": typeof types.ProviderEventsDocument,
    "\n  fragment RegistrationTokenFields on RegistrationToken {\n    token\n    expiresAt\n    installCommand\n  }\n": typeof types.RegistrationTokenFieldsFragmentDoc,
    "\n  mutation CreateProvider($input: CreateWorkspaceProviderInput!) {\n    createWorkspaceProvider(input: $input) {\n      provider {\n        ...ProviderPublicFields\n        ...ProviderStaffFields\n      }\n      registrationToken {\n        ...RegistrationTokenFields\n      }\n    }\n  }\n": typeof types.CreateProviderDocument,
    "\n  query Providers($after: String, $staff: Boolean!) {\n    workspaceProviders(first: 100, after: $after) {\n      edges {\n        node {\n          ...ProviderPublicFields\n          ...ProviderStaffFields @include(if: $staff)\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ProvidersDocument,
    "\n  mutation DeleteProvider($id: ID!) {\n    deleteWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.DeleteProviderDocument,
    "\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.SetDefaultProviderDocument,
    "\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.UncordonProviderDocument,
    "\n  mutation RenameProvider($id: ID!, $name: String!) {\n    renameWorkspaceProvider(id: $id, name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.RenameProviderDocument,
    "\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": typeof types.CordonProviderDocument,
    "\n  mutation IssueRegistrationToken($id: ID!) {\n    issueProviderRegistrationToken(providerId: $id) {\n      ...RegistrationTokenFields\n    }\n  }\n": typeof types.IssueRegistrationTokenDocument,
    "\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    organizationId\n    providerId\n    desiredState\n    observedPhase\n    createdAt\n  }\n": typeof types.WorkspaceFieldsFragmentDoc,
    "\n  mutation CreateWorkspace($name: String!, $organizationId: ID!, $providerId: ID) {\n    createWorkspace(name: $name, organizationId: $organizationId, providerId: $providerId) {\n      ...WorkspaceFields\n    }\n  }\n": typeof types.CreateWorkspaceDocument,
    "\n  query Workspaces($organizationId: ID) {\n    workspaces(organizationId: $organizationId) {\n      ...WorkspaceFields\n    }\n  }\n": typeof types.WorkspacesDocument,
    "\n  mutation DeleteWorkspace($id: ID!) {\n    deleteWorkspace(id: $id) {\n      ...WorkspaceFields\n    }\n  }\n": typeof types.DeleteWorkspaceDocument,
    "\n  query ViewerRole {\n    me {\n      siteRole\n    }\n  }\n": typeof types.ViewerRoleDocument,
    "\n  query ProviderId($name: String!) {\n    workspaceProvider(name: $name) {\n      id\n      name\n    }\n  }\n": typeof types.ProviderIdDocument,
    "\n  query Provider($name: String!, $staff: Boolean!) {\n    workspaceProvider(name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields @include(if: $staff)\n    }\n  }\n": typeof types.ProviderDocument,
    "\n  query OrganizationBySlug($slug: String!) {\n    organization(slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n": typeof types.OrganizationBySlugDocument,
    "\n  fragment ProviderPublicFields on WorkspaceProvider {\n    id\n    name\n    displayName\n    kind\n    region\n    status\n    isDefault\n    cordoned\n    cordonReason\n    accessUrl\n    workspaceCount\n    createdAt\n  }\n": typeof types.ProviderPublicFieldsFragmentDoc,
    "\n  fragment ProviderStaffFields on WorkspaceProvider {\n    statusMessage\n    clusterAddress\n    namespace\n    allowedOrganizations {\n      slug\n    }\n  }\n": typeof types.ProviderStaffFieldsFragmentDoc,
};
const documents: Documents = {
    "\n  query Whoami {\n    me {\n      id\n      email\n      name\n      siteRole\n    }\n  }\n": types.WhoamiDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        email\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  mutation CreateApiToken($name: String!) {\n    createApiToken(name: $name) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n": types.OrganizationsDocument,
    "\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n": types.CreateOrganizationDocument,
    "\n  query ProviderAllowlist($name: String!) {\n    workspaceProvider(name: $name) {\n      allowedOrganizations {\n        id\n        name\n        slug\n        createdAt\n      }\n    }\n  }\n": types.ProviderAllowlistDocument,
    "\n  mutation AllowlistAdd($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.AllowlistAddDocument,
    "\n  mutation AllowlistRemove($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.AllowlistRemoveDocument,
    "\n  subscription ProviderEvents($providerId: ID) {\n    workspaceProviderEvents(providerId: $providerId) {\n      type\n      providerId\n      provider {\n        name\n        status\n        isDefault\n        cordoned\n      }\n    }\n  }\n": types.ProviderEventsDocument,
    "\n  fragment RegistrationTokenFields on RegistrationToken {\n    token\n    expiresAt\n    installCommand\n  }\n": types.RegistrationTokenFieldsFragmentDoc,
    "\n  mutation CreateProvider($input: CreateWorkspaceProviderInput!) {\n    createWorkspaceProvider(input: $input) {\n      provider {\n        ...ProviderPublicFields\n        ...ProviderStaffFields\n      }\n      registrationToken {\n        ...RegistrationTokenFields\n      }\n    }\n  }\n": types.CreateProviderDocument,
    "\n  query Providers($after: String, $staff: Boolean!) {\n    workspaceProviders(first: 100, after: $after) {\n      edges {\n        node {\n          ...ProviderPublicFields\n          ...ProviderStaffFields @include(if: $staff)\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ProvidersDocument,
    "\n  mutation DeleteProvider($id: ID!) {\n    deleteWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.DeleteProviderDocument,
    "\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.SetDefaultProviderDocument,
    "\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.UncordonProviderDocument,
    "\n  mutation RenameProvider($id: ID!, $name: String!) {\n    renameWorkspaceProvider(id: $id, name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.RenameProviderDocument,
    "\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n": types.CordonProviderDocument,
    "\n  mutation IssueRegistrationToken($id: ID!) {\n    issueProviderRegistrationToken(providerId: $id) {\n      ...RegistrationTokenFields\n    }\n  }\n": types.IssueRegistrationTokenDocument,
    "\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    organizationId\n    providerId\n    desiredState\n    observedPhase\n    createdAt\n  }\n": types.WorkspaceFieldsFragmentDoc,
    "\n  mutation CreateWorkspace($name: String!, $organizationId: ID!, $providerId: ID) {\n    createWorkspace(name: $name, organizationId: $organizationId, providerId: $providerId) {\n      ...WorkspaceFields\n    }\n  }\n": types.CreateWorkspaceDocument,
    "\n  query Workspaces($organizationId: ID) {\n    workspaces(organizationId: $organizationId) {\n      ...WorkspaceFields\n    }\n  }\n": types.WorkspacesDocument,
    "\n  mutation DeleteWorkspace($id: ID!) {\n    deleteWorkspace(id: $id) {\n      ...WorkspaceFields\n    }\n  }\n": types.DeleteWorkspaceDocument,
    "\n  query ViewerRole {\n    me {\n      siteRole\n    }\n  }\n": types.ViewerRoleDocument,
    "\n  query ProviderId($name: String!) {\n    workspaceProvider(name: $name) {\n      id\n      name\n    }\n  }\n": types.ProviderIdDocument,
    "\n  query Provider($name: String!, $staff: Boolean!) {\n    workspaceProvider(name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields @include(if: $staff)\n    }\n  }\n": types.ProviderDocument,
    "\n  query OrganizationBySlug($slug: String!) {\n    organization(slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n": types.OrganizationBySlugDocument,
    "\n  fragment ProviderPublicFields on WorkspaceProvider {\n    id\n    name\n    displayName\n    kind\n    region\n    status\n    isDefault\n    cordoned\n    cordonReason\n    accessUrl\n    workspaceCount\n    createdAt\n  }\n": types.ProviderPublicFieldsFragmentDoc,
    "\n  fragment ProviderStaffFields on WorkspaceProvider {\n    statusMessage\n    clusterAddress\n    namespace\n    allowedOrganizations {\n      slug\n    }\n  }\n": types.ProviderStaffFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Whoami {\n    me {\n      id\n      email\n      name\n      siteRole\n    }\n  }\n"): (typeof documents)["\n  query Whoami {\n    me {\n      id\n      email\n      name\n      siteRole\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        email\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        email\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($name: String!) {\n    createApiToken(name: $name) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiToken($name: String!) {\n    createApiToken(name: $name) {\n      token\n      apiToken {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProviderAllowlist($name: String!) {\n    workspaceProvider(name: $name) {\n      allowedOrganizations {\n        id\n        name\n        slug\n        createdAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProviderAllowlist($name: String!) {\n    workspaceProvider(name: $name) {\n      allowedOrganizations {\n        id\n        name\n        slug\n        createdAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AllowlistAdd($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation AllowlistAdd($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AllowlistRemove($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation AllowlistRemove($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ProviderEvents($providerId: ID) {\n    workspaceProviderEvents(providerId: $providerId) {\n      type\n      providerId\n      provider {\n        name\n        status\n        isDefault\n        cordoned\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ProviderEvents($providerId: ID) {\n    workspaceProviderEvents(providerId: $providerId) {\n      type\n      providerId\n      provider {\n        name\n        status\n        isDefault\n        cordoned\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RegistrationTokenFields on RegistrationToken {\n    token\n    expiresAt\n    installCommand\n  }\n"): (typeof documents)["\n  fragment RegistrationTokenFields on RegistrationToken {\n    token\n    expiresAt\n    installCommand\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProvider($input: CreateWorkspaceProviderInput!) {\n    createWorkspaceProvider(input: $input) {\n      provider {\n        ...ProviderPublicFields\n        ...ProviderStaffFields\n      }\n      registrationToken {\n        ...RegistrationTokenFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateProvider($input: CreateWorkspaceProviderInput!) {\n    createWorkspaceProvider(input: $input) {\n      provider {\n        ...ProviderPublicFields\n        ...ProviderStaffFields\n      }\n      registrationToken {\n        ...RegistrationTokenFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Providers($after: String, $staff: Boolean!) {\n    workspaceProviders(first: 100, after: $after) {\n      edges {\n        node {\n          ...ProviderPublicFields\n          ...ProviderStaffFields @include(if: $staff)\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Providers($after: String, $staff: Boolean!) {\n    workspaceProviders(first: 100, after: $after) {\n      edges {\n        node {\n          ...ProviderPublicFields\n          ...ProviderStaffFields @include(if: $staff)\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteProvider($id: ID!) {\n    deleteWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteProvider($id: ID!) {\n    deleteWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenameProvider($id: ID!, $name: String!) {\n    renameWorkspaceProvider(id: $id, name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation RenameProvider($id: ID!, $name: String!) {\n    renameWorkspaceProvider(id: $id, name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"): (typeof documents)["\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IssueRegistrationToken($id: ID!) {\n    issueProviderRegistrationToken(providerId: $id) {\n      ...RegistrationTokenFields\n    }\n  }\n"): (typeof documents)["\n  mutation IssueRegistrationToken($id: ID!) {\n    issueProviderRegistrationToken(providerId: $id) {\n      ...RegistrationTokenFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    organizationId\n    providerId\n    desiredState\n    observedPhase\n    createdAt\n  }\n"): (typeof documents)["\n  fragment WorkspaceFields on Workspace {\n    id\n    name\n    organizationId\n    providerId\n    desiredState\n    observedPhase\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkspace($name: String!, $organizationId: ID!, $providerId: ID) {\n    createWorkspace(name: $name, organizationId: $organizationId, providerId: $providerId) {\n      ...WorkspaceFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWorkspace($name: String!, $organizationId: ID!, $providerId: ID) {\n    createWorkspace(name: $name, organizationId: $organizationId, providerId: $providerId) {\n      ...WorkspaceFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Workspaces($organizationId: ID) {\n    workspaces(organizationId: $organizationId) {\n      ...WorkspaceFields\n    }\n  }\n"): (typeof documents)["\n  query Workspaces($organizationId: ID) {\n    workspaces(organizationId: $organizationId) {\n      ...WorkspaceFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWorkspace($id: ID!) {\n    deleteWorkspace(id: $id) {\n      ...WorkspaceFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWorkspace($id: ID!) {\n    deleteWorkspace(id: $id) {\n      ...WorkspaceFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerRole {\n    me {\n      siteRole\n    }\n  }\n"): (typeof documents)["\n  query ViewerRole {\n    me {\n      siteRole\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProviderId($name: String!) {\n    workspaceProvider(name: $name) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query ProviderId($name: String!) {\n    workspaceProvider(name: $name) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Provider($name: String!, $staff: Boolean!) {\n    workspaceProvider(name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields @include(if: $staff)\n    }\n  }\n"): (typeof documents)["\n  query Provider($name: String!, $staff: Boolean!) {\n    workspaceProvider(name: $name) {\n      ...ProviderPublicFields\n      ...ProviderStaffFields @include(if: $staff)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrganizationBySlug($slug: String!) {\n    organization(slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  query OrganizationBySlug($slug: String!) {\n    organization(slug: $slug) {\n      id\n      name\n      slug\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProviderPublicFields on WorkspaceProvider {\n    id\n    name\n    displayName\n    kind\n    region\n    status\n    isDefault\n    cordoned\n    cordonReason\n    accessUrl\n    workspaceCount\n    createdAt\n  }\n"): (typeof documents)["\n  fragment ProviderPublicFields on WorkspaceProvider {\n    id\n    name\n    displayName\n    kind\n    region\n    status\n    isDefault\n    cordoned\n    cordonReason\n    accessUrl\n    workspaceCount\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProviderStaffFields on WorkspaceProvider {\n    statusMessage\n    clusterAddress\n    namespace\n    allowedOrganizations {\n      slug\n    }\n  }\n"): (typeof documents)["\n  fragment ProviderStaffFields on WorkspaceProvider {\n    statusMessage\n    clusterAddress\n    namespace\n    allowedOrganizations {\n      slug\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;