import type { OutpostContext, Viewer } from '../graphql/context.js';
import type { AgentPrincipal } from '../agents/agent-credentials.js';
import { forbidden, unauthenticated } from '../graphql/errors.js';

/**
 * Who is calling: a signed-in user (the viewer), a provider agent, or nobody. The decisions
 * (decisions.ts) refuse the wrong kind of caller with these errors; resolvers then read the caller
 * that their field's decision admitted with authorizedViewer / authorizedAgent.
 */

export type SiteStaffRole = 'ADMIN' | 'MANAGER';
type Caller = Pick<OutpostContext, 'viewer' | 'agent'>;

export function isSiteStaff(viewer: Viewer): boolean {
  return viewer.siteRole === 'ADMIN' || viewer.siteRole === 'MANAGER';
}

/** The signed-in user, or the refusal: agents only call the agent protocol, anonymous callers sign in. */
export function requireUser(caller: Caller): Viewer {
  if (caller.viewer) return caller.viewer;
  if (caller.agent)
    throw forbidden('Agent credentials only call the agent protocol fields (apps/agent/PROTOCOL.md).');
  throw unauthenticated();
}

export function requireSiteRole(caller: Caller, roles: readonly SiteStaffRole[]): Viewer {
  const viewer = requireUser(caller);
  if (roles.includes(viewer.siteRole as SiteStaffRole)) return viewer;
  throw forbidden(`This needs the site role ${roles.join(' or ')}; you are ${viewer.siteRole}.`);
}

/** A provider agent calling with a secret of one of `kinds` (apps/agent/PROTOCOL.md "Tokens"). */
export function requireAgentPrincipal(
  caller: Caller,
  kinds: readonly AgentPrincipal['kind'][],
): AgentPrincipal {
  const agent = caller.agent;
  if (!agent) {
    if (caller.viewer) throw forbidden('Only provider agents call this field, with their own credential.');
    throw unauthenticated('Provider agents authenticate with their registration token or credential.');
  }
  if (!kinds.includes(agent.kind)) {
    throw forbidden(
      agent.kind === 'registration'
        ? 'A registration token can only register the agent (registerAgent); use the credential it returns.'
        : 'This agent is already registered: use its credential, not registerAgent.',
    );
  }
  return agent;
}

/**
 * The viewer that the field's decision admitted. Not a check: every field's decision ran before its
 * resolver (schema.ts), so a missing viewer here is a field declared with a decision that admits
 * callers who are not users — a bug, answered as an internal error rather than run without a viewer.
 */
export function authorizedViewer(context: Caller): Viewer {
  if (!context.viewer) throw new Error('This field needs a viewer, but its access decision admits others.');
  return context.viewer;
}

/** The agent that the field's decision admitted (see authorizedViewer). */
export function authorizedAgent(context: Caller): AgentPrincipal {
  if (!context.agent) throw new Error('This field needs an agent, but its access decision admits others.');
  return context.agent;
}

/**
 * What the read-side decisions of the API depend on for a viewer: the site role and the organization
 * roles. Viewers with the same key are shown the same fields of the same providers, which lets one
 * provider event be executed once for all such subscribers (events/shared-execution.ts). A decision that
 * looks at more of the viewer (its id: ownership) must not be reachable from a shared event.
 */
export function authorizationKey(viewer: Viewer): string {
  const organizations = [...viewer.organizationRoles].map(([id, role]) => `${id}=${role}`).sort();
  return `${viewer.siteRole};${organizations.join(',')}`;
}
