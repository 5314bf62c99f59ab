/* eslint-disable */
import * as types from './graphql';
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
    "\n  query Session {\n    setupRequired\n    me {\n      id\n      name\n      email\n      siteRole\n    }\n  }\n": typeof types.SessionDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n": typeof types.OrganizationsDocument,
    "\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n": typeof types.CreateOrganizationDocument,
    "\n  mutation AddOrganizationMember($organizationId: ID!, $email: String!, $role: OrganizationRole!) {\n    addOrganizationMember(organizationId: $organizationId, email: $email, role: $role) {\n      userId\n      email\n      name\n      role\n    }\n  }\n": typeof types.AddOrganizationMemberDocument,
    "\n  mutation RemoveOrganizationMember($organizationId: ID!, $userId: ID!) {\n    removeOrganizationMember(organizationId: $organizationId, userId: $userId) {\n      id\n      members {\n        userId\n        email\n        name\n        role\n      }\n    }\n  }\n": typeof types.RemoveOrganizationMemberDocument,
    "\n  fragment OrganizationMembers on Organization {\n    id\n    members {\n      userId\n      email\n      name\n      role\n    }\n  }\n": typeof types.OrganizationMembersFragmentDoc,
    "\n  mutation SetupFirstAdmin($email: String!, $name: String!, $password: String!) {\n    setupFirstAdmin(email: $email, name: $name, password: $password) {\n      id\n    }\n  }\n": typeof types.SetupFirstAdminDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        id\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  fragment ProviderRow on WorkspaceProvider {\n    id\n    name\n    displayName\n    region\n    status\n    statusMessage\n    statusChangedAt\n    isDefault\n    cordoned\n    cordonReason\n    lastHeartbeatAt\n    workspaceCount\n    allowedOrganizations {\n      id\n    }\n  }\n": typeof types.ProviderRowFragmentDoc,
    "\n  fragment ProviderDetails on WorkspaceProvider {\n    id\n    kind\n    statusMessage\n    clusterAddress\n    namespace\n    accessUrl\n    agentVersion\n    kubernetesVersion\n    chartVersion\n    versionWarning\n    checkResults {\n      name\n      passed\n      message\n    }\n    statusHistory(first: 20) {\n      id\n      fromStatus\n      toStatus\n      message\n      at\n    }\n    allowedOrganizations {\n      id\n      name\n      slug\n    }\n    workspaceCountsByOrganization {\n      count\n      organization {\n        id\n      }\n    }\n  }\n": typeof types.ProviderDetailsFragmentDoc,
    "\n  query WorkspaceProviders($first: Int!, $after: String) {\n    workspaceProviders(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProviderRow\n        }\n      }\n    }\n  }\n": typeof types.WorkspaceProvidersDocument,
    "\n  query ProviderDetails($id: ID!) {\n    workspaceProvider(id: $id) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n": typeof types.ProviderDetailsDocument,
    "\n  subscription ProviderEvents {\n    workspaceProviderEvents {\n      type\n      providerId\n      provider {\n        ...ProviderRow\n        ...ProviderDetails\n      }\n    }\n  }\n": typeof types.ProviderEventsDocument,
    "\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n": typeof types.SetDefaultProviderDocument,
    "\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderRow\n    }\n  }\n": typeof types.CordonProviderDocument,
    "\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n": typeof types.UncordonProviderDocument,
    "\n  query AllowlistOrganizations {\n    organizations {\n      id\n      name\n      slug\n    }\n  }\n": typeof types.AllowlistOrganizationsDocument,
    "\n  mutation AddToAllowlist($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n": typeof types.AddToAllowlistDocument,
    "\n  mutation RemoveFromAllowlist($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n": typeof types.RemoveFromAllowlistDocument,
    "\n  query Workspaces {\n    workspaces(first: 100) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n      observedMessage\n      updatedAt\n    }\n    organizations {\n      id\n      name\n    }\n    workspaceProviders(first: 100) {\n      edges {\n        node {\n          id\n          name\n          displayName\n        }\n      }\n    }\n  }\n": typeof types.WorkspacesDocument,
    "\n  subscription WorkspaceEvents {\n    workspaceEvents {\n      type\n      workspaceId\n    }\n  }\n": typeof types.WorkspaceEventsDocument,
    "\n  query CreateWorkspaceOrganizations {\n    me {\n      id\n      memberships {\n        role\n        organization {\n          id\n          name\n          slug\n        }\n      }\n    }\n  }\n": typeof types.CreateWorkspaceOrganizationsDocument,
    "\n  query OrganizationProviders($id: ID!) {\n    organization(id: $id) {\n      id\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n        cordoned\n        cordonReason\n        isDefault\n      }\n    }\n  }\n": typeof types.OrganizationProvidersDocument,
    "\n  mutation CreateWorkspace($organizationId: ID!, $name: String!, $providerId: ID) {\n    createWorkspace(organizationId: $organizationId, name: $name, providerId: $providerId) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n    }\n  }\n": typeof types.CreateWorkspaceDocument,
};
const documents: Documents = {
    "\n  query Session {\n    setupRequired\n    me {\n      id\n      name\n      email\n      siteRole\n    }\n  }\n": types.SessionDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n": types.OrganizationsDocument,
    "\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n": types.CreateOrganizationDocument,
    "\n  mutation AddOrganizationMember($organizationId: ID!, $email: String!, $role: OrganizationRole!) {\n    addOrganizationMember(organizationId: $organizationId, email: $email, role: $role) {\n      userId\n      email\n      name\n      role\n    }\n  }\n": types.AddOrganizationMemberDocument,
    "\n  mutation RemoveOrganizationMember($organizationId: ID!, $userId: ID!) {\n    removeOrganizationMember(organizationId: $organizationId, userId: $userId) {\n      id\n      members {\n        userId\n        email\n        name\n        role\n      }\n    }\n  }\n": types.RemoveOrganizationMemberDocument,
    "\n  fragment OrganizationMembers on Organization {\n    id\n    members {\n      userId\n      email\n      name\n      role\n    }\n  }\n": types.OrganizationMembersFragmentDoc,
    "\n  mutation SetupFirstAdmin($email: String!, $name: String!, $password: String!) {\n    setupFirstAdmin(email: $email, name: $name, password: $password) {\n      id\n    }\n  }\n": types.SetupFirstAdminDocument,
    "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        id\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  fragment ProviderRow on WorkspaceProvider {\n    id\n    name\n    displayName\n    region\n    status\n    statusMessage\n    statusChangedAt\n    isDefault\n    cordoned\n    cordonReason\n    lastHeartbeatAt\n    workspaceCount\n    allowedOrganizations {\n      id\n    }\n  }\n": types.ProviderRowFragmentDoc,
    "\n  fragment ProviderDetails on WorkspaceProvider {\n    id\n    kind\n    statusMessage\n    clusterAddress\n    namespace\n    accessUrl\n    agentVersion\n    kubernetesVersion\n    chartVersion\n    versionWarning\n    checkResults {\n      name\n      passed\n      message\n    }\n    statusHistory(first: 20) {\n      id\n      fromStatus\n      toStatus\n      message\n      at\n    }\n    allowedOrganizations {\n      id\n      name\n      slug\n    }\n    workspaceCountsByOrganization {\n      count\n      organization {\n        id\n      }\n    }\n  }\n": types.ProviderDetailsFragmentDoc,
    "\n  query WorkspaceProviders($first: Int!, $after: String) {\n    workspaceProviders(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProviderRow\n        }\n      }\n    }\n  }\n": types.WorkspaceProvidersDocument,
    "\n  query ProviderDetails($id: ID!) {\n    workspaceProvider(id: $id) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n": types.ProviderDetailsDocument,
    "\n  subscription ProviderEvents {\n    workspaceProviderEvents {\n      type\n      providerId\n      provider {\n        ...ProviderRow\n        ...ProviderDetails\n      }\n    }\n  }\n": types.ProviderEventsDocument,
    "\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n": types.SetDefaultProviderDocument,
    "\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderRow\n    }\n  }\n": types.CordonProviderDocument,
    "\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n": types.UncordonProviderDocument,
    "\n  query AllowlistOrganizations {\n    organizations {\n      id\n      name\n      slug\n    }\n  }\n": types.AllowlistOrganizationsDocument,
    "\n  mutation AddToAllowlist($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n": types.AddToAllowlistDocument,
    "\n  mutation RemoveFromAllowlist($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n": types.RemoveFromAllowlistDocument,
    "\n  query Workspaces {\n    workspaces(first: 100) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n      observedMessage\n      updatedAt\n    }\n    organizations {\n      id\n      name\n    }\n    workspaceProviders(first: 100) {\n      edges {\n        node {\n          id\n          name\n          displayName\n        }\n      }\n    }\n  }\n": types.WorkspacesDocument,
    "\n  subscription WorkspaceEvents {\n    workspaceEvents {\n      type\n      workspaceId\n    }\n  }\n": types.WorkspaceEventsDocument,
    "\n  query CreateWorkspaceOrganizations {\n    me {\n      id\n      memberships {\n        role\n        organization {\n          id\n          name\n          slug\n        }\n      }\n    }\n  }\n": types.CreateWorkspaceOrganizationsDocument,
    "\n  query OrganizationProviders($id: ID!) {\n    organization(id: $id) {\n      id\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n        cordoned\n        cordonReason\n        isDefault\n      }\n    }\n  }\n": types.OrganizationProvidersDocument,
    "\n  mutation CreateWorkspace($organizationId: ID!, $name: String!, $providerId: ID) {\n    createWorkspace(organizationId: $organizationId, name: $name, providerId: $providerId) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n    }\n  }\n": types.CreateWorkspaceDocument,
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
export function graphql(source: "\n  query Session {\n    setupRequired\n    me {\n      id\n      name\n      email\n      siteRole\n    }\n  }\n"): (typeof documents)["\n  query Session {\n    setupRequired\n    me {\n      id\n      name\n      email\n      siteRole\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  query Organizations {\n    organizations {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($name: String!, $slug: String!) {\n    createOrganization(name: $name, slug: $slug) {\n      id\n      name\n      slug\n      members {\n        userId\n        email\n        name\n        role\n      }\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddOrganizationMember($organizationId: ID!, $email: String!, $role: OrganizationRole!) {\n    addOrganizationMember(organizationId: $organizationId, email: $email, role: $role) {\n      userId\n      email\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation AddOrganizationMember($organizationId: ID!, $email: String!, $role: OrganizationRole!) {\n    addOrganizationMember(organizationId: $organizationId, email: $email, role: $role) {\n      userId\n      email\n      name\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveOrganizationMember($organizationId: ID!, $userId: ID!) {\n    removeOrganizationMember(organizationId: $organizationId, userId: $userId) {\n      id\n      members {\n        userId\n        email\n        name\n        role\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveOrganizationMember($organizationId: ID!, $userId: ID!) {\n    removeOrganizationMember(organizationId: $organizationId, userId: $userId) {\n      id\n      members {\n        userId\n        email\n        name\n        role\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrganizationMembers on Organization {\n    id\n    members {\n      userId\n      email\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  fragment OrganizationMembers on Organization {\n    id\n    members {\n      userId\n      email\n      name\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetupFirstAdmin($email: String!, $name: String!, $password: String!) {\n    setupFirstAdmin(email: $email, name: $name, password: $password) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetupFirstAdmin($email: String!, $name: String!, $password: String!) {\n    setupFirstAdmin(email: $email, name: $name, password: $password) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($email: String!, $password: String!) {\n    login(email: $email, password: $password) {\n      user {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProviderRow on WorkspaceProvider {\n    id\n    name\n    displayName\n    region\n    status\n    statusMessage\n    statusChangedAt\n    isDefault\n    cordoned\n    cordonReason\n    lastHeartbeatAt\n    workspaceCount\n    allowedOrganizations {\n      id\n    }\n  }\n"): (typeof documents)["\n  fragment ProviderRow on WorkspaceProvider {\n    id\n    name\n    displayName\n    region\n    status\n    statusMessage\n    statusChangedAt\n    isDefault\n    cordoned\n    cordonReason\n    lastHeartbeatAt\n    workspaceCount\n    allowedOrganizations {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProviderDetails on WorkspaceProvider {\n    id\n    kind\n    statusMessage\n    clusterAddress\n    namespace\n    accessUrl\n    agentVersion\n    kubernetesVersion\n    chartVersion\n    versionWarning\n    checkResults {\n      name\n      passed\n      message\n    }\n    statusHistory(first: 20) {\n      id\n      fromStatus\n      toStatus\n      message\n      at\n    }\n    allowedOrganizations {\n      id\n      name\n      slug\n    }\n    workspaceCountsByOrganization {\n      count\n      organization {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment ProviderDetails on WorkspaceProvider {\n    id\n    kind\n    statusMessage\n    clusterAddress\n    namespace\n    accessUrl\n    agentVersion\n    kubernetesVersion\n    chartVersion\n    versionWarning\n    checkResults {\n      name\n      passed\n      message\n    }\n    statusHistory(first: 20) {\n      id\n      fromStatus\n      toStatus\n      message\n      at\n    }\n    allowedOrganizations {\n      id\n      name\n      slug\n    }\n    workspaceCountsByOrganization {\n      count\n      organization {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkspaceProviders($first: Int!, $after: String) {\n    workspaceProviders(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProviderRow\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WorkspaceProviders($first: Int!, $after: String) {\n    workspaceProviders(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          ...ProviderRow\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProviderDetails($id: ID!) {\n    workspaceProvider(id: $id) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n"): (typeof documents)["\n  query ProviderDetails($id: ID!) {\n    workspaceProvider(id: $id) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ProviderEvents {\n    workspaceProviderEvents {\n      type\n      providerId\n      provider {\n        ...ProviderRow\n        ...ProviderDetails\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ProviderEvents {\n    workspaceProviderEvents {\n      type\n      providerId\n      provider {\n        ...ProviderRow\n        ...ProviderDetails\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n"): (typeof documents)["\n  mutation SetDefaultProvider($id: ID!) {\n    setDefaultWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderRow\n    }\n  }\n"): (typeof documents)["\n  mutation CordonProvider($id: ID!, $reason: String!) {\n    cordonWorkspaceProvider(id: $id, reason: $reason) {\n      ...ProviderRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n"): (typeof documents)["\n  mutation UncordonProvider($id: ID!) {\n    uncordonWorkspaceProvider(id: $id) {\n      ...ProviderRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AllowlistOrganizations {\n    organizations {\n      id\n      name\n      slug\n    }\n  }\n"): (typeof documents)["\n  query AllowlistOrganizations {\n    organizations {\n      id\n      name\n      slug\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddToAllowlist($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n"): (typeof documents)["\n  mutation AddToAllowlist($providerId: ID!, $organizationId: ID!) {\n    addOrganizationToProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveFromAllowlist($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveFromAllowlist($providerId: ID!, $organizationId: ID!) {\n    removeOrganizationFromProviderAllowlist(providerId: $providerId, organizationId: $organizationId) {\n      ...ProviderRow\n      ...ProviderDetails\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Workspaces {\n    workspaces(first: 100) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n      observedMessage\n      updatedAt\n    }\n    organizations {\n      id\n      name\n    }\n    workspaceProviders(first: 100) {\n      edges {\n        node {\n          id\n          name\n          displayName\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Workspaces {\n    workspaces(first: 100) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n      observedMessage\n      updatedAt\n    }\n    organizations {\n      id\n      name\n    }\n    workspaceProviders(first: 100) {\n      edges {\n        node {\n          id\n          name\n          displayName\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WorkspaceEvents {\n    workspaceEvents {\n      type\n      workspaceId\n    }\n  }\n"): (typeof documents)["\n  subscription WorkspaceEvents {\n    workspaceEvents {\n      type\n      workspaceId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CreateWorkspaceOrganizations {\n    me {\n      id\n      memberships {\n        role\n        organization {\n          id\n          name\n          slug\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CreateWorkspaceOrganizations {\n    me {\n      id\n      memberships {\n        role\n        organization {\n          id\n          name\n          slug\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrganizationProviders($id: ID!) {\n    organization(id: $id) {\n      id\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n        cordoned\n        cordonReason\n        isDefault\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrganizationProviders($id: ID!) {\n    organization(id: $id) {\n      id\n      allowedProviders {\n        id\n        name\n        displayName\n        status\n        cordoned\n        cordonReason\n        isDefault\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkspace($organizationId: ID!, $name: String!, $providerId: ID) {\n    createWorkspace(organizationId: $organizationId, name: $name, providerId: $providerId) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWorkspace($organizationId: ID!, $name: String!, $providerId: ID) {\n    createWorkspace(organizationId: $organizationId, name: $name, providerId: $providerId) {\n      id\n      name\n      organizationId\n      providerId\n      desiredState\n      observedPhase\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;