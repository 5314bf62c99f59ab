import { Field, ObjectType } from 'type-graphql';
import { Allow } from '../authorization/schema.js';
import { SIGNED_IN } from '../authorization/decisions.js';
import { badInput } from './errors.js';

@ObjectType({ description: 'Relay cursor pagination.', simpleResolvers: true })
export class PageInfo {
  @Allow(SIGNED_IN)
  @Field()
  hasNextPage!: boolean;
  @Allow(SIGNED_IN)
  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** Cursors are opaque to clients: base64url of the sort key of the last row seen. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(field: string, cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (key.length === 0 || encodeCursor(key) !== cursor) {
    throw badInput(
      field,
      `${field} is not a cursor returned by this API; pass pageInfo.endCursor from the previous page.`,
    );
  }
  return key;
}
