import type { OrganizationRole } from '@outpost/prisma';
import type { OutpostContext, Viewer } from '../graphql/context.js';
import { forbidden, notFound } from '../graphql/errors.js';
import { AGENT_INPUT_LIMITS } from '@outpost/agent';
import { canSeeOrganization, isMemberOfOwningOrganization, providerOwners } from './organizations.js';
import { isSiteStaff, requireAgentPrincipal, requireSiteRole, requireUser } from './principals.js';

/**
 * The named access decisions of the API. Every field of every object type declares one with @Allow
 * (schema.ts), and the layer runs it before the field's resolver — and, for subscriptions, before
 * subscribing — over HTTP and graphql-ws alike. A decision returns (allowed) or throws the refusal
 * with its stable code: UNAUTHENTICATED (sign in first), FORBIDDEN (signed in, not allowed) or NOT_FOUND
 * (the thing is invisible to the caller, so it is not said to exist).
 *
 * Decisions decide who may use a field. Which rows a list holds (which providers a member sees) is the
 * visibility rule of the services; the decisions below that need "member of the owning organization"
 * ask organizations.ts.
 */

export interface AccessRequest<Source = unknown> {
  context: OutpostContext;
  /** The object whose field is resolved (the parent value); undefined for root fields. */
  source: Source;
  args: Record<string, unknown>;
}

export interface Decision {
  /** Stable name: in build errors, the README's matrix and the accounting test. */
  readonly name: string;
  /** Who is allowed, in a sentence. */
  readonly description: string;
  check(request: AccessRequest<never>): void | Promise<void>;
}

function decision<Source = unknown>(
  name: string,
  description: string,
  check: (request: AccessRequest<Source>) => void | Promise<void>,
): Decision {
  return { name, description, check: check as Decision['check'] };
}

// --- Who the caller is ---

export const PUBLIC = decision('public', 'Anyone: anonymous callers, users and agents.', () => {});

export const SIGNED_IN = decision(
  'signedIn',
  'Any signed-in user (session cookie or API token); not agents.',
  ({ context }) => void requireUser(context),
);

export const SITE_STAFF = decision(
  'siteStaff',
  'Site admins and site managers.',
  ({ context }) => void requireSiteRole(context, ['ADMIN', 'MANAGER']),
);

export const SITE_ADMIN = decision(
  'siteAdmin',
  'Site admins.',
  ({ context }) => void requireSiteRole(context, ['ADMIN']),
);

/** The agent protocol (apps/agent/PROTOCOL.md): an agent's credential, never a user, not even an admin. */
export const AGENT = decision(
  'agent',
  "A provider agent with its credential; what it gets is its own provider's.",
  ({ context }) => void requireAgentPrincipal(context, ['credential']),
);

export const AGENT_REGISTRATION = decision(
  'agentRegistration',
  'A provider agent with its one-time registration token (only to exchange it for a credential).',
  ({ context }) => void requireAgentPrincipal(context, ['registration']),
);

/** Objects of the agent protocol that belong to one provider: its own agent reads them, no other. */
export function agentOfProvider<Source>(providerIdOf: (source: Source) => string): Decision {
  return decision<Source>(
    'agentOfProvider',
    "The agent of the object's provider (with its registration token or credential).",
    ({ context, source }) => {
      const agent = requireAgentPrincipal(context, ['registration', 'credential']);
      if (agent.providerId !== providerIdOf(source))
        throw forbidden("This belongs to another provider's agent.");
    },
  );
}

/** What registerAgent and rotateAgentCredential return: the new credential of the caller's provider. */
export const REGISTERED_AGENT = agentOfProvider<{ providerId: string }>(
  (registration) => registration.providerId,
);

/** Workspaces as the agent protocol shows them, and the nudges about them. */
export const AGENT_OF_WORKSPACE_PROVIDER = agentOfProvider<{ providerId: string }>(
  (workspace) => workspace.providerId,
);

// --- Membership of the organization that owns the object (organizations.ts) ---

function memberOfOwningOrganizationOrStaff<Source>(
  what: string,
  ownersOf: (source: Source, context: OutpostContext) => readonly string[] | Promise<readonly string[]>,
): Decision {
  const refuse = () =>
    forbidden(
      `Only members of the organization that owns this ${what}, and site admins and managers, see it.`,
    );
  return decision<Source>(
    'memberOfOwningOrganization',
    `Site staff, and members of an organization that owns the ${what}.`,
    ({ context, source }) => {
      const viewer = requireUser(context);
      if (isSiteStaff(viewer)) return;
      const owners = ownersOf(source, context);
      if (Array.isArray(owners)) {
        if (!isMemberOfOwningOrganization(viewer, owners)) throw refuse();
        return;
      }
      return (owners as Promise<readonly string[]>).then((ids) => {
        if (!isMemberOfOwningOrganization(viewer, ids)) throw refuse();
      });
    },
  );
}

/** Fields of an organization: its members and site staff. */
export const ORGANIZATION_MEMBER = memberOfOwningOrganizationOrStaff<{ id: string }>(
  'organization',
  (organization) => [organization.id],
);

/** Fields of a membership row of an organization (who is in it, with which role). */
export const MEMBER_OF_THE_MEMBERSHIPS_ORGANIZATION = memberOfOwningOrganizationOrStaff<{
  organizationId: string;
}>('membership list', (member) => [member.organizationId]);

/** Fields of a workspace: members of its organization (whoever owns it) and site staff. */
export const WORKSPACE_ORGANIZATION_MEMBER = memberOfOwningOrganizationOrStaff<{ organizationId: string }>(
  'workspace',
  (workspace) => [workspace.organizationId],
);

/** Fields of a provider: members of an organization on its allowlist (who may use it) and site staff. */
export const PROVIDER_USER = memberOfOwningOrganizationOrStaff<{ id: string }>(
  'provider (an organization on its allowlist)',
  (provider, context) => providerOwners(context, provider),
);

// --- Objects of one user ---

/**
 * Login and setupFirstAdmin answer with the user the caller has just proven to be (by password) or
 * created as themselves, before any credential exists: the resolver records that here, and the
 * user's own fields are then theirs to read in that response.
 */
export function admitAsUser(context: OutpostContext, userId: string): void {
  context.provenUserId = userId;
}

/** Objects of one user (the account, its memberships, its API tokens): that user and site admins. */
export function ownedByUser<Source>(what: string, userIdOf: (source: Source) => string): Decision {
  return decision<Source>(
    'theUserOrSiteAdmin',
    `The user the ${what} belongs to, and site admins.`,
    ({ context, source }) => {
      const userId = userIdOf(source);
      if (context.provenUserId === userId) return;
      const viewer = requireUser(context);
      if (viewer.id !== userId && viewer.siteRole !== 'ADMIN')
        throw forbidden(`Only the user it belongs to (and site admins) see this ${what}.`);
    },
  );
}

export const OWN_ACCOUNT = ownedByUser<{ id: string }>('account', (user) => user.id);
export const OWN_MEMBERSHIP = ownedByUser<{ userId: string }>(
  'membership',
  (membership) => membership.userId,
);
export const OWN_API_TOKEN = ownedByUser<{ userId: string }>('API token', (token) => token.userId);
export const OWN_CREATED_API_TOKEN = ownedByUser<{ apiToken: { userId: string } }>(
  'API token',
  (created) => created.apiToken.userId,
);

// --- Root fields about one organization, workspace or token named by an argument ---

function organizationRole(viewer: Viewer, organizationId: string): OrganizationRole | undefined {
  return viewer.organizationRoles.get(organizationId);
}

async function organizationSlug(context: OutpostContext, organizationId: string): Promise<string> {
  const organization = await context.loaders.organization.load(organizationId);
  if (!organization) throw notFound('Organization', organizationId);
  return organization.slug;
}

/** Site staff and the organization's own admins manage its members. */
export function organizationAdmin(argument: string): Decision {
  return decision(
    'organizationAdmin',
    `Admins of the organization \`${argument}\` names, and site staff; invisible (NOT_FOUND) to non-members.`,
    async ({ context, args }) => {
      const viewer = requireUser(context);
      const organizationId = String(args[argument]);
      if (!canSeeOrganization(viewer, organizationId)) throw notFound('Organization', organizationId);
      if (isSiteStaff(viewer) || organizationRole(viewer, organizationId) === 'ADMIN') return;
      const slug = await organizationSlug(context, organizationId);
      throw forbidden(
        `Only admins of organization "${slug}" (or site admins and managers) manage its members.`,
      );
    },
  );
}

/** Rule 5: workspaces are created by members of their organization, whatever their site role. */
export function organizationMember(argument: string): Decision {
  return decision(
    'organizationMember',
    `Members of the organization \`${argument}\` names, whatever their site role (rule 5).`,
    async ({ context, args }) => {
      const viewer = requireUser(context);
      const organizationId = String(args[argument]);
      if (!canSeeOrganization(viewer, organizationId)) throw notFound('Organization', organizationId);
      if (organizationRole(viewer, organizationId)) return;
      const slug = await organizationSlug(context, organizationId);
      throw forbidden(
        `You are not a member of organization "${slug}": only its members create workspaces in it (rule 5).`,
      );
    },
  );
}

/** Owners delete their workspaces; the organization's admins and site staff delete any in it. */
export function workspaceManager(argument: string): Decision {
  return decision(
    'workspaceManager',
    `The owner of the workspace \`${argument}\` names, admins of its organization, and site staff.`,
    async ({ context, args }) => {
      const viewer = requireUser(context);
      const id = String(args[argument]);
      const workspace = await context.prisma.workspace.findUnique({
        where: { id },
        select: { ownerId: true, organizationId: true },
      });
      if (!workspace || !canSeeOrganization(viewer, workspace.organizationId))
        throw notFound('Workspace', id);
      if (
        workspace.ownerId === viewer.id ||
        isSiteStaff(viewer) ||
        organizationRole(viewer, workspace.organizationId) === 'ADMIN'
      )
        return;
      throw forbidden(
        'Only the workspace owner, its organization admins, or site admins and managers may do this.',
      );
    },
  );
}

/** API tokens: their owner, and site admins (a leaked token is an incident); invisible to others. */
export function apiTokenOwner(argument: string): Decision {
  return decision(
    'apiTokenOwnerOrSiteAdmin',
    `The owner of the API token \`${argument}\` names, and site admins; invisible (NOT_FOUND) to others.`,
    async ({ context, args }) => {
      const viewer = requireUser(context);
      const id = String(args[argument]);
      const token = await context.prisma.apiToken.findUnique({ where: { id }, select: { userId: true } });
      if (!token || (token.userId !== viewer.id && viewer.siteRole !== 'ADMIN'))
        throw notFound('API token', id);
    },
  );
}

/** reportWorkspaceStatus: an agent reports only on workspaces of its own provider. */
export const AGENT_OF_OBSERVED_WORKSPACES = decision(
  'agentOfObservedWorkspaces',
  "A provider agent with its credential, about its own provider's workspaces only.",
  async ({ context, args }) => {
    const agent = requireAgentPrincipal(context, ['credential']);
    const observations = args.observations as Array<{ workspaceId: string }>;
    // Too many is bad input, refused by the resolver (agent-input.ts) before anything is read.
    if (observations.length > AGENT_INPUT_LIMITS.observations.max) return;
    const workspaces = await context.prisma.workspace.findMany({
      where: { id: { in: observations.map((observation) => observation.workspaceId) } },
      select: { providerId: true },
    });
    if (workspaces.some((workspace) => workspace.providerId !== agent.providerId))
      throw forbidden('An agent reports only on workspaces of its own provider.');
  },
);
