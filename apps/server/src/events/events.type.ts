import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import { SIGNED_IN, SITE_STAFF } from '../authorization/decisions.js';
import { ProviderStatusEvent, WorkspaceProvider } from '../providers/provider.type.js';
import { Workspace } from '../workspaces/workspace.type.js';
import {
  ProviderEventTypes,
  WorkspaceEventTypes,
  type ProviderNotification,
  type WorkspaceNotification,
} from './notifications.js';

// What the subscriptions deliver (events.resolver.ts); the event types are the notifications' own.

const ProviderEventType = Object.fromEntries(ProviderEventTypes.map((t) => [t, t])) as {
  [K in (typeof ProviderEventTypes)[number]]: K;
};
export const WorkspaceEventType = Object.fromEntries(WorkspaceEventTypes.map((t) => [t, t])) as {
  [K in (typeof WorkspaceEventTypes)[number]]: K;
};
registerEnumType(ProviderEventType, { name: 'WorkspaceProviderEventType' });
registerEnumType(WorkspaceEventType, { name: 'WorkspaceEventType' });

@ObjectType({
  description: 'Something changed about a provider; fields are re-read when the event is delivered.',
})
export class WorkspaceProviderEvent {
  @Allow(SIGNED_IN) @Field(() => ProviderEventType) type!: ProviderNotification['type'];
  @Allow(SIGNED_IN) @Field(() => ID) providerId!: string;
  @Allow(SIGNED_IN)
  @Field(() => WorkspaceProvider, {
    nullable: true,
    description: 'Null after DELETED or when no longer visible.',
  })
  provider!: WorkspaceProvider | null;
  // Its message is the provider's statusMessage (cluster details): site staff only, like statusHistory (rule 7).
  @Allow(SITE_STAFF)
  @Field(() => ProviderStatusEvent, { nullable: true, description: 'The transition, for STATUS_CHANGED.' })
  statusEvent!: ProviderStatusEvent | null;
}

@ObjectType()
export class WorkspaceEvent {
  @Allow(SIGNED_IN) @Field(() => WorkspaceEventType) type!: WorkspaceNotification['type'];
  @Allow(SIGNED_IN) @Field(() => ID) workspaceId!: string;
  @Allow(SIGNED_IN) @Field(() => Workspace, { nullable: true }) workspace!: Workspace | null;
}
