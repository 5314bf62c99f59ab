import { statusLabel } from '../../components/StatusBadge';
import type { OrganizationProvidersQuery } from '../../generated/graphql';

export type AllowedProvider = OrganizationProvidersQuery['organization']['allowedProviders'][number];

export interface ProviderOption {
  provider: AllowedProvider;
  /** Why no workspace can be created there now; null when it can. */
  disabledReason: string | null;
}

/**
 * The providers an organization may use (its allowlist), each enabled or disabled with the reason the
 * server would refuse it (apps/server/src/workspaces/workspace.service.ts, rule 5).
 */
export function providerOptions(allowed: readonly AllowedProvider[]): ProviderOption[] {
  return [...allowed]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((provider) => ({ provider, disabledReason: disabledReason(provider) }));
}

function disabledReason(provider: AllowedProvider): string | null {
  if (provider.status !== 'READY') return `Not ready (${statusLabel(provider.status)})`;
  if (provider.cordoned) return `Cordoned: ${provider.cordonReason ?? 'no reason given'}`;
  return null;
}

/** The default provider when the organization may use it now, else the first usable one, else none. */
export function initialProviderId(options: readonly ProviderOption[]): string | null {
  const usable = options.filter((o) => o.disabledReason === null);
  return (usable.find((o) => o.provider.isDefault) ?? usable[0])?.provider.id ?? null;
}
