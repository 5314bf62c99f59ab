import 'reflect-metadata';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { authChecker } from '../auth/policy.js';
import { AgentResolver } from '../agents/agent.resolver.js';
import { rejectMalformedIds } from './ids.js';
import type { NotificationPubSub } from '../events/notifications.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { AuditResolver } from '../audit/audit.resolver.js';
import { EventsResolver } from '../events/events.resolver.js';
import { OrganizationResolver } from '../organizations/organization.resolver.js';
import { WorkspaceProviderResolver } from '../providers/provider.resolver.js';
import { WorkspaceResolver } from '../workspaces/workspace.resolver.js';

export const resolvers = [
  AgentResolver,
  AuthResolver,
  AuditResolver,
  EventsResolver,
  OrganizationResolver,
  WorkspaceProviderResolver,
  WorkspaceResolver,
] as const;

/** Input validation is explicit in the services (graphql/validation.ts), so class-validator is off. */
export async function buildOutpostSchema(
  pubSub: NotificationPubSub,
  emitSchemaFile?: string,
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    pubSub,
    authChecker,
    authMode: 'error',
    validate: false,
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: true } : false,
  });
  // ID arguments are checked by wrapping only the fields that take them (not a global middleware).
  return rejectMalformedIds(schema);
}
