import type { OutpostClient } from './client.js';
import { graphql } from './generated/index.js';
import type { ProviderResult } from './provider-document.js';

// Commands take names and slugs; the mutations take ids. These are the lookups between the two.

const ViewerRoleQuery = graphql(`
  query ViewerRole {
    me {
      siteRole
    }
  }
`);

const ProviderIdQuery = graphql(`
  query ProviderId($name: String!) {
    workspaceProvider(name: $name) {
      id
      name
    }
  }
`);

const ProviderQuery = graphql(`
  query Provider($name: String!, $staff: Boolean!) {
    workspaceProvider(name: $name) {
      ...ProviderPublicFields
      ...ProviderStaffFields @include(if: $staff)
    }
  }
`);

const OrganizationBySlugQuery = graphql(`
  query OrganizationBySlug($slug: String!) {
    organization(slug: $slug) {
      id
      name
      slug
      createdAt
    }
  }
`);

/** Whether the signed-in user may read the staff-only provider fields (site ADMIN or MANAGER). */
export async function viewerIsStaff(client: OutpostClient): Promise<boolean> {
  const { me } = await client.data(ViewerRoleQuery);
  return me?.siteRole !== 'MEMBER';
}

/** A provider's id, by name; members may look it up too. */
export async function providerByName(
  client: OutpostClient,
  name: string,
): Promise<{ id: string; name: string }> {
  return (await client.data(ProviderIdQuery, { name })).workspaceProvider;
}

/** A provider with every field the signed-in user may read. */
export async function providerWithFields(client: OutpostClient, name: string): Promise<ProviderResult> {
  const staff = await viewerIsStaff(client);
  return (await client.data(ProviderQuery, { name, staff })).workspaceProvider;
}

export async function orgBySlug(client: OutpostClient, slug: string) {
  return (await client.data(OrganizationBySlugQuery, { slug })).organization;
}
