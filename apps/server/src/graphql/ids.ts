import type { GraphQLInputType } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { badInput } from './errors.js';

// Every id Outpost issues is a UUID, and the id columns are PostgreSQL `uuid`: a malformed id would reach
// the database and fail there as an internal error. Rejecting it here gives rule 8's BAD_USER_INPUT.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Types are inspected by shape, not with graphql's isListType & co.: under the test runner type-graphql
// and this module may load different copies of graphql, whose instanceof checks reject each other's types.
function checkIds(field: string, type: GraphQLInputType, value: unknown): void {
  if (value == null) return;
  const nullable = String(type).endsWith('!') ? (type as { ofType: GraphQLInputType }).ofType : type;
  if (String(nullable).startsWith('[')) {
    const item = (nullable as { ofType: GraphQLInputType }).ofType;
    if (Array.isArray(value)) for (const element of value) checkIds(field, item, element);
  } else if (String(nullable) === 'ID') {
    if (typeof value !== 'string' || !UUID.test(value)) {
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

/** Global middleware: checks the ID arguments (and ID fields of input objects) of every field. */
export const rejectMalformedIds: MiddlewareFn = ({ args, info }, next) => {
  for (const arg of info.parentType.getFields()[info.fieldName]?.args ?? [])
    checkIds(arg.name, arg.type, args[arg.name]);
  return next();
};
