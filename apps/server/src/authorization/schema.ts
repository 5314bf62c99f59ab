import { defaultFieldResolver, type GraphQLField, type GraphQLSchema } from 'graphql';
import { Extensions } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import type { Decision } from './decisions.js';

/**
 * How the decisions reach the schema. `@Allow(DECISION)` on a field (or field resolver, query,
 * mutation, subscription) stores the decision in the field's GraphQL extensions; enforceAccess, run on
 * the built schema, refuses to build one whose fields lack a decision and wraps every field's resolver
 * (and subscribe function) with its decision. On the built schema rather than as a type-graphql
 * middleware: it covers the plain fields of `simpleResolvers` types too (type-graphql skips middlewares
 * there), graphql-jit and graphql-ws execute the same wrapped resolvers, and a field whose decision
 * is cheap (the caller's role) costs a call, not a middleware chain.
 */

const ACCESS = 'access';

/** Declares who may use this field (decisions.ts). Every field needs one, or the schema does not build. */
export function Allow(decision: Decision): MethodDecorator & PropertyDecorator {
  return Extensions({ [ACCESS]: decision });
}

export function decisionOf(field: Pick<GraphQLField<unknown, unknown>, 'extensions'>): Decision | undefined {
  return (field.extensions as Record<string, unknown> | undefined)?.[ACCESS] as Decision | undefined;
}

/** Every field (`Type.field`) of every object type, with its decision or undefined. */
export function fieldDecisions(schema: GraphQLSchema): Map<string, Decision | undefined> {
  const decisions = new Map<string, Decision | undefined>();
  for (const type of Object.values(schema.getTypeMap())) {
    // Object types by shape (input objects have no getInterfaces): under the test runner this module
    // and type-graphql may load different copies of graphql, whose instanceof checks reject each other's.
    if (type.name.startsWith('__') || !('getInterfaces' in type)) continue;
    for (const field of Object.values(type.getFields())) {
      decisions.set(`${type.name}.${field.name}`, decisionOf(field));
    }
  }
  return decisions;
}

export function undeclaredFields(schema: GraphQLSchema): string[] {
  return [...fieldDecisions(schema)].filter(([, decision]) => !decision).map(([name]) => name);
}

/** Refuses a schema with a field that has no decision; otherwise runs each field's decision first. */
export function enforceAccess(schema: GraphQLSchema): GraphQLSchema {
  const undeclared = undeclaredFields(schema);
  if (undeclared.length > 0) {
    throw new Error(
      `These fields have no access decision: ${undeclared.join(', ')}. Declare who may use each with ` +
        '@Allow(…) (apps/server/src/authorization/decisions.ts lists the decisions).',
    );
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !('getInterfaces' in type)) continue;
    for (const field of Object.values(type.getFields())) {
      const decision = decisionOf(field)!;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: OutpostContext, info) => {
        const verdict = decision.check({ context, source: source as never, args });
        return verdict
          ? verdict.then(() => resolve(source, args, context, info))
          : resolve(source, args, context, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        // Refused when subscribing (the error ends the operation); then again for every event, by resolve.
        field.subscribe = async (source, args, context: OutpostContext, info) => {
          await decision.check({ context, source: source as never, args });
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
