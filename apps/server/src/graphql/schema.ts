import 'reflect-metadata';
import { buildSchema, getMetadataStorage } from 'type-graphql';
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
  refuseUncheckedSimpleFields();
  // ID arguments are checked by wrapping only the fields that take them (not a global middleware).
  return rejectMalformedIds(schema);
}

/**
 * The object types of the providers list are `@ObjectType({ simpleResolvers: true })`: their plain fields
 * are read by graphql's default resolver instead of a type-graphql resolver each (a middleware chain and
 * its allocations per field; with compiled queries, a property read inlined). type-graphql then silently
 * skips `@Authorized` and middlewares on those plain fields, so a type that has one is refused here, at
 * schema build, rather than served unchecked. Field resolvers (@FieldResolver) keep their checks.
 */
function refuseUncheckedSimpleFields(): void {
  const metadata = getMetadataStorage();
  for (const type of metadata.objectTypes) {
    if (!type.simpleResolvers) continue;
    for (const field of type.fields ?? []) {
      const hasResolver = metadata.fieldResolvers.some(
        (resolver) => resolver.getObjectType?.() === type.target && resolver.methodName === field.name,
      );
      if (!hasResolver && (field.roles?.length || field.middlewares?.length)) {
        throw new Error(
          `${type.name}.${field.name} has @Authorized or a middleware, which type-graphql skips on types ` +
            'with simpleResolvers: declare it with @FieldResolver, or drop simpleResolvers from the type.',
        );
      }
    }
  }
}
