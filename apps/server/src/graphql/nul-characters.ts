import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { ErrorCode } from './errors.js';

/**
 * PostgreSQL cannot store the NUL character (U+0000) in text: a string holding one fails the statement
 * with "invalid byte sequence", which would surface as an internal error — or, in a field that is only
 * compared (a login email), as a 500 for what is plainly bad input. NUL has no business in any Outpost
 * input, so requests carrying one anywhere — in a variable or a string literal of the document — are
 * refused as BAD_USER_INPUT before any resolver runs.
 */
export function findNulCharacter(document: DocumentNode, variables: unknown): string | undefined {
  let found: string | undefined;
  visit(document, {
    [Kind.STRING](node) {
      if (node.value.includes('\u0000')) found ??= 'a string in the query';
    },
  });
  const walk = (value: unknown, at: string): void => {
    if (found) return;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found = at;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${at}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, at ? `${at}.${key}` : `$${key}`);
    }
  };
  walk(variables ?? {}, '');
  return found;
}

export function nulCharacterError(where: string): GraphQLError {
  return new GraphQLError(
    `${where} contains a NUL character (U+0000), which Outpost does not accept in any input. Remove it and retry.`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT, field: where, http: { status: 400 } } },
  );
}

/** The Apollo Server side of the check (HTTP requests); the WebSocket server calls findNulCharacter itself. */
export const refuseNulCharacters: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request }) {
        const where = findNulCharacter(document, request.variables);
        if (where) throw nulCharacterError(where);
      },
    };
  },
};
