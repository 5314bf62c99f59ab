import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { OutpostContext, Viewer } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import { SIGNED_IN } from '../authorization/decisions.js';
import { authorizedViewer } from '../authorization/principals.js';
import { rememberProviderOwners } from '../authorization/organizations.js';
import { findVisibleProvider } from '../providers/provider-reads.js';
import { providerVisibility } from '../visibility/provider.js';
import { workspaceVisibility } from '../visibility/workspace.js';
import { deliveryBatch } from './delivery-batch.js';
import { markShareable } from './shared-execution.js';
import { eventStream } from './event-stream.js';
import { WorkspaceEvent, WorkspaceProviderEvent } from './events.type.js';

/**
 * Subscriptions re-authorize on every event: the viewer is re-read from their credential (a revoked
 * token or removed membership takes effect at the next event) and the row is re-read and checked
 * against the viewer's visibility. A member never receives events about providers their organizations
 * cannot use. The reads are shared by all subscribers of one notification (delivery-batch.ts), so an
 * event costs the same few statements for one subscriber or thousands.
 */
@Resolver()
export class EventsResolver {
  @Allow(SIGNED_IN)
  @Subscription(() => WorkspaceProviderEvent, {
    description: 'Status transitions and changes to providers (default, allowlist, cordon, rename, delete).',
    subscribe: async ({ args, context }) => {
      const ctx = context as OutpostContext;
      const providerId = (args as { providerId?: string | null }).providerId ?? null;
      // Events about one provider are refused as a read of it is (NOT_FOUND, the same message) when the
      // viewer cannot see it: accepted, the subscription would stay silent for good, as if nothing changed.
      if (providerId) await findVisibleProvider(ctx.db, authorizedViewer(ctx), { id: providerId });
      return deliverProviderEvents(ctx, providerId);
    },
  })
  workspaceProviderEvents(
    @Root() event: WorkspaceProviderEvent,
    @Arg('providerId', () => ID, { nullable: true }) _providerId?: string,
  ): WorkspaceProviderEvent {
    return event;
  }

  @Allow(SIGNED_IN)
  @Subscription(() => WorkspaceEvent, {
    description: 'Workspaces created, changed (including observed phase) or deleted.',
    subscribe: ({ args, context }) => {
      const { organizationId, providerId } = args as {
        organizationId?: string | null;
        providerId?: string | null;
      };
      return deliverWorkspaceEvents(context as OutpostContext, organizationId ?? null, providerId ?? null);
    },
  })
  workspaceEvents(
    @Root() event: WorkspaceEvent,
    @Arg('organizationId', () => ID, { nullable: true }) _organizationId?: string,
    @Arg('providerId', () => ID, { nullable: true }) _providerId?: string,
  ): WorkspaceEvent {
    return event;
  }
}

function deliverProviderEvents(
  context: OutpostContext,
  providerId: string | null,
): AsyncIterableIterator<WorkspaceProviderEvent> {
  let viewer: Viewer | null = authorizedViewer(context);
  return eventStream(context.notifications.pubSub.subscribe('provider'), async (notification) => {
    if (providerId && notification.providerId !== providerId) return 'skip';
    // Everything below is read once per notification for all subscribers (delivery-batch.ts).
    const batch = deliveryBatch(context.db, notification);
    viewer = await batch.reloadViewer(viewer!);
    if (!viewer) return 'end'; // credential revoked or user gone: end the subscription
    context.viewer = viewer;
    context.loaders = batch.loaders;
    const found = await batch.provider(notification.providerId);
    // The provider's fields decide on its allowlist (PROVIDER_USER): known here, so that costs no read.
    if (found) rememberProviderOwners(found.row, found.allowlist);
    const provider = found && providerVisibility.allows(viewer, found) ? found.row : null;
    const organizationsBefore = notification.organizationIds ?? [];
    // Visibility by the allowlist before the change: members who just lost the provider hear of it.
    const couldSeeBefore = providerVisibility.allows(viewer, { allowlist: organizationsBefore });
    if (!provider && !couldSeeBefore) return 'skip';
    const statusEvent = notification.statusEventId
      ? await batch.statusEvent(notification.statusEventId)
      : null;
    // Subscribers who may see the provider share one payload, those who may not (told about a provider
    // they lost) another; each payload's result is computed once per kind of viewer (shared-execution.ts).
    const deliver = batch.shared(provider ? 'visible' : 'hidden', () =>
      markShareable({ type: notification.type, providerId: notification.providerId, provider, statusEvent }),
    );
    return { deliver };
  });
}

function deliverWorkspaceEvents(
  context: OutpostContext,
  organizationId: string | null,
  providerId: string | null,
): AsyncIterableIterator<WorkspaceEvent> {
  let viewer: Viewer | null = authorizedViewer(context);
  return eventStream(context.notifications.pubSub.subscribe('workspace'), async (notification) => {
    if (organizationId && notification.organizationId !== organizationId) return 'skip';
    if (providerId && notification.providerId !== providerId) return 'skip';
    // The credential check and the row are read once for all subscribers of this notification
    // (delivery-batch.ts); visibility is decided per viewer in memory.
    const batch = deliveryBatch(context.db, notification);
    viewer = await batch.reloadViewer(viewer!);
    if (!viewer) return 'end';
    context.viewer = viewer;
    const workspace = await batch.workspace(notification.workspaceId);
    if (!workspace || !workspaceVisibility.allows(viewer, workspace)) return 'skip';
    // Everyone who may see it gets the very same payload, so their executions are shared too.
    const deliver = batch.shared('visible', () =>
      markShareable({ type: notification.type, workspaceId: notification.workspaceId, workspace }),
    );
    return { deliver };
  });
}
