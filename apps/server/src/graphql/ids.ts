import type { GraphQLFieldResolver, GraphQLInputType, GraphQLSchema } from 'graphql';
import { defaultFieldResolver } from 'graphql';
import { badInput } from './errors.js';

// Every id Outpost issues is a UUID, and the id columns are PostgreSQL `uuid`: a malformed id would reach
// the database and fail there as an internal error. Rejecting it here gives rule 8's BAD_USER_INPUT.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` has the form of an id Outpost issues (a UUID). */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

// Types are inspected by shape, not with graphql's isListType & co.: under the test runner type-graphql
// and this module may load different copies of graphql, whose instanceof checks reject each other's types.
function checkIds(field: string, type: GraphQLInputType, value: unknown): void {
  if (value == null) return;
  const nullable = String(type).endsWith('!') ? (type as { ofType: GraphQLInputType }).ofType : type;
  if (String(nullable).startsWith('[')) {
    const item = (nullable as { ofType: GraphQLInputType }).ofType;
    if (Array.isArray(value)) for (const element of value) checkIds(field, item, element);
  } else if (String(nullable) === 'ID') {
    if (!isId(value)) {
      throw badInput(
        field,
        `${field} "${String(value).slice(0, 80)}" is not an id: pass an id returned by this API.`,
      );
    }
  } else if ('getFields' in nullable && typeof nullable.getFields === 'function') {
    for (const [name, inner] of Object.entries(
      nullable.getFields() as Record<string, { type: GraphQLInputType }>,
    )) {
      checkIds(name, inner.type, (value as Record<string, unknown>)[name]);
    }
  }
}

/** Whether a value of this type can hold an ID anywhere (itself, list items, input object fields). */
function mayHoldIds(type: GraphQLInputType, seen = new Set<unknown>()): boolean {
  const nullable = String(type).endsWith('!') ? (type as { ofType: GraphQLInputType }).ofType : type;
  if (String(nullable).startsWith('[')) {
    return mayHoldIds((nullable as { ofType: GraphQLInputType }).ofType, seen);
  }
  if (String(nullable) === 'ID') return true;
  if ('getFields' in nullable && typeof nullable.getFields === 'function' && !seen.has(nullable)) {
    seen.add(nullable);
    return Object.values(nullable.getFields() as Record<string, { type: GraphQLInputType }>).some((inner) =>
      mayHoldIds(inner.type, seen),
    );
  }
  return false;
}

/**
 * Wraps the resolvers (and subscribe functions) of the fields that take ID arguments with the check.
 * Only those fields: as a type-graphql global middleware it ran for every field of every object, turning
 * each into an async middleware chain; on the providers list (6,000 fields) that was about a quarter of
 * the request's CPU, much of it garbage collection (bench/providers-list.mjs). The check now runs before
 * the access decisions: a malformed id is BAD_USER_INPUT whoever asks, and still changes nothing.
 */
export function rejectMalformedIds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    // Object and interface types: the ones whose fields take arguments (input objects have no getInterfaces).
    if (type.name.startsWith('__') || !('getInterfaces' in type)) continue;
    for (const field of Object.values(type.getFields())) {
      const args = ('args' in field ? field.args : []).filter((arg) => mayHoldIds(arg.type));
      if (args.length === 0) continue;
      const check = (values: Record<string, unknown>) => {
        for (const arg of args) checkIds(arg.name, arg.type, values[arg.name]);
      };
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, values, context, info) => {
        check(values);
        return resolve(source, values, context, info);
      };
      const subscribe = field.subscribe;
      if (subscribe) {
        field.subscribe = (source, values, context, info) => {
          check(values);
          return subscribe(source, values, context, info);
        };
      }
    }
  }
  return schema;
}
