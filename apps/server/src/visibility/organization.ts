import { sql, type SqlBool } from 'kysely';
import { organizationScopedRule } from './rule.js';

/** Members see their own organizations; site staff see all. In SQL, for a query over `organizations`. */
export const organizationVisibility = organizationScopedRule<{ id: string }>({
  belongsToAnyOf: (organizationIds) => sql<SqlBool>`organizations.id = ANY(${organizationIds}::uuid[])`,
  organizationsOf: (organization) => [organization.id],
});
