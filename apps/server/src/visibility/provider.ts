import { sql, type Expression, type SqlBool } from 'kysely';

import { organizationScopedRule } from './rule.js';

/** What the provider rules need of a provider: its allowlist, and for `usable` its state. */
export interface ProviderFacts {
  /** Ids of the organizations on its allowlist. */
  allowlist: readonly string[];
}

/**
 * Members see the providers that allowlist one of their organizations, whatever their status or cordon
 * (those decide `usableProvider`, not visibility); site staff see all. In SQL, for a query over
 * `workspace_providers`.
 */
export const providerVisibility = organizationScopedRule<ProviderFacts>({
  belongsToAnyOf: (organizationIds) => sql<SqlBool>`EXISTS (
    SELECT 1 FROM provider_allowlist_entries e
    WHERE e.provider_id = workspace_providers.id AND e.organization_id = ANY(${organizationIds}::uuid[]))`,
  organizationsOf: (provider) => provider.allowlist,
});

/**
 * Rule 5's provider half: an organization may create workspaces in a provider that allowlists it, is
 * READY and is not cordoned. (The viewer half, membership, is requireOrganizationMember.) The
 * refusals' suggestions and the console's dialog (Organization.allowedProviders, with status and
 * cordon) follow this.
 */
export const usableProvider = {
  where(organizationId: string): Expression<SqlBool> {
    return sql<SqlBool>`(workspace_providers.status = 'READY' AND NOT workspace_providers.cordoned AND EXISTS (
      SELECT 1 FROM provider_allowlist_entries e
      WHERE e.provider_id = workspace_providers.id AND e.organization_id = ${organizationId}::uuid))`;
  },
  allows(organizationId: string, provider: ProviderFacts & { status: string; cordoned: boolean }): boolean {
    return provider.status === 'READY' && !provider.cordoned && provider.allowlist.includes(organizationId);
  },
};
