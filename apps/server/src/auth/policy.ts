import type { AuthChecker } from 'type-graphql';
import type { OutpostContext, Viewer } from '../graphql/context.js';
import type { AgentPrincipal } from '../agents/agent-credentials.js';
import { forbidden, unauthenticated } from '../graphql/errors.js';

/**
 * Every authorization decision of the API lives in this module: the role checks behind `@Authorized`
 * and the organization-scoped checks the services call. Business rules (allowlists, provider state)
 * live in the services; this module only answers "may this viewer do or see this?".
 */

export type SiteStaffRole = 'ADMIN' | 'MANAGER';
/** Roles for the agent protocol (apps/agent/PROTOCOL.md): a registration token, or a credential. */
export type AgentRole = 'AGENT_REGISTRATION' | 'AGENT';
export type Role = SiteStaffRole | AgentRole;

/**
 * `@Authorized()` = any signed-in user; `@Authorized('ADMIN', 'MANAGER')` = those site roles;
 * `@Authorized('AGENT')` = a provider agent's credential. Users cannot call agent fields and agents
 * cannot call user fields.
 */
export const authChecker: AuthChecker<OutpostContext, Role> = ({ context }, roles) => {
  const agentRoles = roles.filter(
    (role): role is AgentRole => role === 'AGENT' || role === 'AGENT_REGISTRATION',
  );
  if (agentRoles.length > 0) {
    requireAgent(context, agentRoles);
    return true;
  }
  const viewer = requireViewer(context);
  if (roles.length === 0 || roles.includes(viewer.siteRole as SiteStaffRole)) return true;
  throw forbidden(`This needs the site role ${roles.join(' or ')}; you are ${viewer.siteRole}.`);
};

export function requireViewer(context: Pick<OutpostContext, 'viewer' | 'agent'>): Viewer {
  if (context.viewer) return context.viewer;
  if (context.agent)
    throw forbidden('Agent credentials only call the agent protocol fields (apps/agent/PROTOCOL.md).');
  throw unauthenticated();
}

export function requireAgent(
  context: Pick<OutpostContext, 'viewer' | 'agent'>,
  roles: readonly AgentRole[] = ['AGENT'],
): AgentPrincipal {
  const agent = context.agent;
  if (!agent) {
    if (context.viewer) throw forbidden('Only provider agents call this field, with their own credential.');
    throw unauthenticated('Provider agents authenticate with their registration token or credential.');
  }
  const role: AgentRole = agent.kind === 'registration' ? 'AGENT_REGISTRATION' : 'AGENT';
  if (!roles.includes(role)) {
    throw forbidden(
      agent.kind === 'registration'
        ? 'A registration token can only register the agent (registerAgent); use the credential it returns.'
        : 'This agent is already registered: use its credential, not registerAgent.',
    );
  }
  return agent;
}

export function isSiteStaff(viewer: Viewer): boolean {
  return viewer.siteRole === 'ADMIN' || viewer.siteRole === 'MANAGER';
}

export function requireSiteStaff(context: Pick<OutpostContext, 'viewer' | 'agent'>): Viewer {
  const viewer = requireViewer(context);
  if (!isSiteStaff(viewer)) {
    throw forbidden('Only site admins and managers manage workspace providers and organizations.');
  }
  return viewer;
}

/**
 * What the read-side decisions of the API depend on for a viewer: the site role and the organization
 * roles. Viewers with the same key are shown the same fields of the same providers, which lets one
 * provider event be executed once for all such subscribers (events/shared-execution.ts). A read-side
 * check that looks at more of the viewer (its id: ownership) must not be reachable from a shared event.
 */
export function authorizationKey(viewer: Viewer): string {
  const organizations = [...viewer.organizationRoles].map(([id, role]) => `${id}=${role}`).sort();
  return `${viewer.siteRole};${organizations.join(',')}`;
}

// Who sees which provider, organization, workspace or audit event: visibility/ (one rule per resource).

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
