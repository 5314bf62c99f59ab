import type { AuthChecker } from 'type-graphql';
import type { OutpostContext, Viewer } from '../graphql/context.js';
import { forbidden, unauthenticated } from '../graphql/errors.js';

/**
 * Every authorization decision of the API lives in this module: the role checks behind `@Authorized`
 * and the organization-scoped checks the services call. Business rules (allowlists, provider state)
 * live in the services; this module only answers "may this viewer do or see this?".
 */

export type SiteStaffRole = 'ADMIN' | 'MANAGER';

/** `@Authorized()` = any signed-in user; `@Authorized('ADMIN', 'MANAGER')` = those site roles. */
export const authChecker: AuthChecker<OutpostContext, SiteStaffRole> = ({ context }, roles) => {
  const viewer = requireViewer(context);
  if (roles.length === 0 || roles.includes(viewer.siteRole as SiteStaffRole)) return true;
  throw forbidden(`This needs the site role ${roles.join(' or ')}; you are ${viewer.siteRole}.`);
};

export function requireViewer(context: Pick<OutpostContext, 'viewer'>): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}

export function isSiteStaff(viewer: Viewer): boolean {
  return viewer.siteRole === 'ADMIN' || viewer.siteRole === 'MANAGER';
}

export function requireSiteStaff(context: Pick<OutpostContext, 'viewer'>): Viewer {
  const viewer = requireViewer(context);
  if (!isSiteStaff(viewer)) {
    throw forbidden('Only site admins and managers manage workspace providers and organizations.');
  }
  return viewer;
}

/** Organization ids the viewer may see, or `null` for "all" (site staff). */
export function visibleOrganizationIds(viewer: Viewer): string[] | null {
  return isSiteStaff(viewer) ? null : [...viewer.organizationRoles.keys()];
}

export function canSeeOrganization(viewer: Viewer, organizationId: string): boolean {
  return isSiteStaff(viewer) || viewer.organizationRoles.has(organizationId);
}

/** Site staff and the organization's own admins manage its members. */
export function requireOrganizationAdmin(
  viewer: Viewer,
  organizationId: string,
  organizationName: string,
): void {
  if (isSiteStaff(viewer) || viewer.organizationRoles.get(organizationId) === 'ADMIN') return;
  throw forbidden(
    `Only admins of organization "${organizationName}" (or site admins and managers) manage its members.`,
  );
}

/** Rule 5: workspaces are created by members of their organization, whatever their site role. */
export function requireOrganizationMember(
  viewer: Viewer,
  organizationId: string,
  organizationName: string,
): void {
  if (viewer.organizationRoles.has(organizationId)) return;
  throw forbidden(
    `You are not a member of organization "${organizationName}": only its members create workspaces in it (rule 5).`,
  );
}

/** Owners delete their workspaces; the organization's admins and site staff delete any in it. */
export function requireWorkspaceManager(
  viewer: Viewer,
  workspace: { ownerId: string; organizationId: string },
): void {
  if (
    workspace.ownerId === viewer.id ||
    isSiteStaff(viewer) ||
    viewer.organizationRoles.get(workspace.organizationId) === 'ADMIN'
  )
    return;
  throw forbidden(
    'Only the workspace owner, its organization admins, or site admins and managers may do this.',
  );
}
