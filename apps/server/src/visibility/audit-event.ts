import { organizationScopedRule } from './rule.js';
import { sql, type SqlBool } from 'kysely';

/**
 * The audit log is site admins' only (rule 7): not managers, not organization admins, even for events
 * about their own organization. In SQL, for a query over `audit_events`.
 */
export const auditEventVisibility = organizationScopedRule<object>({
  staff: (viewer) => viewer.siteRole === 'ADMIN',
  members: false,
  belongsToAnyOf: () => sql<SqlBool>`false`,
  organizationsOf: () => [],
});
