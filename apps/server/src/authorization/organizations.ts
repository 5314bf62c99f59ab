import type { OutpostContext, Viewer } from '../graphql/context.js';
import { organizationVisibility } from '../visibility/organization.js';

/**
 * Membership: which organizations a viewer belongs to, and which organizations own a resource. Field
 * decisions of the kind "member of the owning organization" (decisions.ts) ask these functions. Who may
 * see an organization at all is the organization visibility rule's (visibility/organization.ts).
 */

/** Whether the viewer may see the organization: the visibility rule's in-memory form. */
export function canSeeOrganization(viewer: Viewer, organizationId: string): boolean {
  return organizationVisibility.allows(viewer, { id: organizationId });
}

/** Whether the viewer is a member (any role) of one of the organizations that own a resource. */
export function isMemberOfOwningOrganization(viewer: Viewer, owners: readonly string[]): boolean {
  return owners.some((id) => viewer.organizationRoles.has(id));
}

// A provider's owning organizations are those on its allowlist (rule 4). They are not columns of the
// provider row: known ones are remembered per row object (event delivery reads them with the row), the
// others are read in one batched statement per page (the allowlistByProvider loader).
const knownProviderOwners = new WeakMap<object, readonly string[]>();

/** Records the allowlist of a provider row already read, so deciding its fields costs no statement. */
export function rememberProviderOwners(provider: object, organizationIds: readonly string[]): void {
  knownProviderOwners.set(provider, organizationIds);
}

/** The organizations a provider row belongs to: those on its allowlist. */
export function providerOwners(
  context: Pick<OutpostContext, 'loaders'>,
  provider: { id: string },
): readonly string[] | Promise<readonly string[]> {
  const known = knownProviderOwners.get(provider);
  if (known) return known;
  return context.loaders.allowlistByProvider.load(provider.id).then((organizations) => {
    const ids = organizations.map((organization) => organization.id);
    knownProviderOwners.set(provider, ids);
    return ids;
  });
}
