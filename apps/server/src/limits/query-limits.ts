import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { ErrorCode } from '../graphql/errors.js';

/**
 * Limits on the shape of a GraphQL document, checked while parsing (tokens) and validating (the rest),
 * so a hostile document is refused before any resolver or SQL runs. They apply to HTTP (Apollo) and to
 * WebSocket operations (graphql-ws) alike.
 *
 * Sized from the real clients: the console's, CLI's and agent's operations are at most 7 deep (Armor
 * counts a fragment spread as a level), use at most one alias, no directives, a few hundred tokens, and
 * cost at most ~8,000 (the CLI's provider list asks for `first: 100`, which Armor counts as 100 copies). Introspection
 * (`__schema`, GraphiQL's schema query) is exempt from depth and cost, as GraphiQL needs it in development.
 */
export const QUERY_LIMITS = {
  /** Nesting of selection sets (graphql-armor-max-depth). */
  depth: 10,
  /** Aliased fields per operation, fragments included (graphql-armor-max-aliases). */
  aliases: 15,
  /** Directives per operation (graphql-armor-max-directives). */
  directives: 10,
  /** Lexer tokens per document: graphql-js stops parsing past this (ParseOptions.maxTokens). */
  tokens: 2_000,
  /** Armor's cost: 2 per object, 1 per scalar, ×1.5 per level, × a literal `first` (graphql-armor-cost-limit). */
  cost: 20_000,
} as const;

export type QueryLimit = keyof typeof QUERY_LIMITS;

const ADVICE = 'Ask for less in one request: split the query, or page through the results.';

export function queryLimitError(limit: QueryLimit, detail: string): GraphQLError {
  return new GraphQLError(`${detail} ${ADVICE}`, {
    extensions: { code: ErrorCode.QUERY_LIMIT_EXCEEDED, limit, max: QUERY_LIMITS[limit] },
  });
}

/**
 * Armor's rules throw by default, which aborts graphql-js's whole validation with an exception; instead
 * each rejection is reported as a validation error carrying our code and which limit was hit.
 */
function reportAs(limit: QueryLimit) {
  return {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(queryLimitError(limit, error.message.replace(/^Syntax Error: /, ''))),
    ],
  };
}

/** Validation rules added to graphql-js's specified rules, for Apollo and graphql-ws. */
export function queryLimitRules(options: { introspection: boolean }): ValidationRule[] {
  return [
    maxDepthRule({ n: QUERY_LIMITS.depth, ...reportAs('depth') }),
    maxAliasesRule({ n: QUERY_LIMITS.aliases, ...reportAs('aliases') }),
    maxDirectivesRule({ n: QUERY_LIMITS.directives, ...reportAs('directives') }),
    costLimitRule({ maxCost: QUERY_LIMITS.cost, ...reportAs('cost') }),
    ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
}

/**
 * graphql-js's own token limit: the parser gives up at the first token past it, so a huge document costs
 * no more to refuse than a small one. (Armor's max-tokens plugin does the same through a parse hook that
 * Apollo Server does not offer; Apollo takes `parseOptions` instead.)
 */
export const QUERY_PARSE_OPTIONS: ParseOptions = { maxTokens: QUERY_LIMITS.tokens };

// graphql-js 16 spells it "more that"; accept the corrected spelling too.
const TOKEN_LIMIT_MESSAGE = /Document contains more tha[nt] \d+ tokens/;

/** The parse error graphql-js raises past `maxTokens`, in our error shape; other errors pass through. */
export function presentParseError(error: GraphQLError): GraphQLError {
  return TOKEN_LIMIT_MESSAGE.test(error.message)
    ? queryLimitError('tokens', `The document has more than ${QUERY_LIMITS.tokens} tokens.`)
    : error;
}

/**
 * With introspection off, "Did you mean …?" hints would still reveal the schema one typo at a time
 * (Apollo's hideSchemaDetailsFromClientErrors removes them on HTTP; this does it for graphql-ws).
 */
export function hideSchemaSuggestions(message: string): string {
  return message.replace(/ ?Did you mean .+\?$/, '');
}
