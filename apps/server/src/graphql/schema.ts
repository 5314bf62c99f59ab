import 'reflect-metadata';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { enforceAccess } from '../authorization/schema.js';
import { AgentResolver } from '../agents/agent.resolver.js';
import { rejectMalformedIds } from './ids.js';
import type { NotificationPubSub } from '../events/notifications.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { AuditResolver } from '../audit/audit.resolver.js';
import { EventsResolver } from '../events/events.resolver.js';
import { OrganizationResolver } from '../organizations/organization.resolver.js';
import { WorkspaceProviderResolver } from '../providers/provider.resolver.js';
import { AllowlistResolver } from '../allowlist/allowlist.resolver.js';
import { WorkspaceResolver } from '../workspaces/workspace.resolver.js';

// type-graphql lists root fields in the order their decorators ran (module evaluation order, which a
// top-level await such as auth/passwords.ts's defers), not in this array's order. schema.graphql is
// emitted sorted, so only the order of a live introspection depends on it.
export const resolvers = [
  AgentResolver,
  AuthResolver,
  AuditResolver,
  EventsResolver,
  OrganizationResolver,
  WorkspaceProviderResolver,
  AllowlistResolver,
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
    validate: false,
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: true } : false,
  });
  refuseUncheckedSimpleFields();
  // Every field's access decision (authorization/), then, wrapped around it so that it runs first, the
  // ID arguments' check: a malformed id is BAD_USER_INPUT whoever asks, and reads nothing.
  return rejectMalformedIds(enforceAccess(schema));
}

/**
 * The object types of the providers list are `@ObjectType({ simpleResolvers: true })`: their plain fields
 * are read by graphql's default resolver instead of a type-graphql resolver each (a middleware chain and
 * its allocations per field). type-graphql then silently skips middlewares on those plain fields, so a
 * type that has one is refused here, at schema build, rather than served without it. (Access decisions
 * are not middlewares: enforceAccess applies them to every field, simple or not.)
 */
function refuseUncheckedSimpleFields(): void {
  const metadata = getMetadataStorage();
  for (const type of metadata.objectTypes) {
    if (!type.simpleResolvers) continue;
    for (const field of type.fields ?? []) {
      const hasResolver = metadata.fieldResolvers.some(
        (resolver) => resolver.getObjectType?.() === type.target && resolver.methodName === field.name,
      );
      if (!hasResolver && field.middlewares?.length) {
        throw new Error(
          `${type.name}.${field.name} has a middleware, which type-graphql skips on types ` +
            'with simpleResolvers: declare it with @FieldResolver, or drop simpleResolvers from the type.',
        );
      }
    }
  }
}
