import { sql, type SqlBool } from 'kysely';
import { organizationScopedRule } from './rule.js';

/**
 * Members see the workspaces of their organizations (anyone's, not only their own); site staff see
 * all. In SQL, for a query over `workspaces`.
 */
export const workspaceVisibility = organizationScopedRule<{ organizationId: string }>({
  belongsToAnyOf: (organizationIds) =>
    sql<SqlBool>`workspaces.organization_id = ANY(${organizationIds}::uuid[])`,
  organizationsOf: (workspace) => [workspace.organizationId],
});
