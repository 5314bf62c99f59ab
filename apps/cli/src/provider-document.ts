import { graphql } from './generated/index.js';
import type { ProviderPublicFieldsFragment, ProviderStaffFieldsFragment } from './generated/graphql.js';
import { printData, printDetails, type OutputFormat } from './output.js';

// The provider fields every command prints. Anyone who may see a provider reads the public ones; the
// server refuses the staff ones to members (FORBIDDEN), so documents that members may run include
// them with `@include(if: $staff)`.
graphql(`
  fragment ProviderPublicFields on WorkspaceProvider {
    id
    name
    displayName
    kind
    region
    status
    isDefault
    cordoned
    cordonReason
    accessUrl
    workspaceCount
    createdAt
  }
`);

graphql(`
  fragment ProviderStaffFields on WorkspaceProvider {
    statusMessage
    clusterAddress
    namespace
    allowedOrganizations {
      slug
    }
  }
`);

/** A provider as read: staff fields are absent when the viewer is a member. */
export type ProviderResult = ProviderPublicFieldsFragment & Partial<ProviderStaffFieldsFragment>;

/**
 * The provider as `-o json|yaml` prints it: the same keys in the same order for every caller (null
 * where a member may not read), so the output is stable.
 */
export function providerDocument(p: ProviderResult) {
  return {
    id: p.id,
    name: p.name,
    displayName: p.displayName,
    kind: p.kind,
    region: p.region,
    status: p.status,
    statusMessage: p.statusMessage ?? null,
    isDefault: p.isDefault,
    cordoned: p.cordoned,
    cordonReason: p.cordonReason ?? null,
    clusterAddress: p.clusterAddress ?? null,
    namespace: p.namespace ?? null,
    accessUrl: p.accessUrl ?? null,
    workspaceCount: p.workspaceCount,
    allowedOrganizations: p.allowedOrganizations?.map((o) => ({ slug: o.slug })) ?? null,
    createdAt: p.createdAt,
  };
}

export type ProviderDocument = ReturnType<typeof providerDocument>;

/** `key: value` lines for people (table mode). */
export function printProviderDetails(provider: ProviderDocument): void {
  printDetails([
    ['name', provider.name],
    ['id', provider.id],
    ['display name', provider.displayName],
    ['kind', provider.kind],
    ['region', provider.region],
    ['status', provider.status],
    ['message', provider.statusMessage],
    ['default', provider.isDefault ? 'yes' : 'no'],
    ['cordoned', provider.cordoned ? `yes (${provider.cordonReason ?? ''})` : 'no'],
    ['cluster address', provider.clusterAddress],
    ['namespace', provider.namespace],
    ['access url', provider.accessUrl],
    ['workspaces', provider.workspaceCount],
    ['organizations', (provider.allowedOrganizations ?? []).map((o) => o.slug).join(', ')],
  ]);
}

export function printProvider(raw: ProviderResult, format: OutputFormat): void {
  const provider = providerDocument(raw);
  if (format !== 'table') return printData(provider, format);
  printProviderDetails(provider);
}
