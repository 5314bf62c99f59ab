import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  execute,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { OutpostContext } from './context.js';

type Gateway = ApolloServerOptionsWithGateway<Record<string, unknown>>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/** What graphql-jit puts in `errors`: its own error objects, not graphql-js GraphQLErrors. */
interface JitError {
  message: string;
  locations?: GraphQLError['locations'];
  path?: GraphQLError['path'];
  originalError?: Error;
}

/**
 * Queries run as code compiled for their document by graphql-jit instead of graphql-js's interpreter.
 * graphql-js walks the document for every object it completes and allocates per field (arguments, paths,
 * resolve info, null-prototype maps); on the providers list (about 6,000 fields) that, and the garbage it
 * makes, was the largest part of the request's CPU (bench/providers-list.mjs). The resolvers, their
 * arguments and what they return are the same; so are the responses: test/compiled-execution.test.ts runs
 * every operation the console and the CLI send, as every kind of caller, through both engines and fails on
 * any difference in data or errors. An operation whose document graphql-jit answers differently belongs
 * on graphql-js (or graphql-jit gets fixed) before it ships.
 *
 * Only queries: mutations (serial, with side effects) and subscriptions (graphql-ws) stay on graphql-js.
 * Variables are coerced by graphql-js first, so a bad variable gets graphql-js's own error, word for word.
 * graphql-jit's errors are turned back into graphql-js GraphQLErrors with the same message, path,
 * locations and original error, which is what Apollo's formatting and ours read.
 *
 * Apollo Server lets a custom executor in only through its gateway interface: this "gateway" serves the
 * one local schema and never changes it.
 */
export function compiledQueryGateway(schema: GraphQLSchema): Gateway {
  const execute = compiledExecutor(schema);
  const executor: Executor = ({ document, operation, operationName, request, context }) =>
    execute({
      document,
      operation,
      operationName,
      variables: request.variables,
      context: context as unknown as OutpostContext,
    });

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
}

/** One operation of one HTTP request, parsed and validated. */
export interface HttpOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | undefined;
  context: OutpostContext;
}

/**
 * How the server executes an operation it received over HTTP: queries as compiled code, the rest with
 * graphql-js. Apart from Apollo's gateway interface so that test/compiled-execution.test.ts runs
 * exactly this against graphql-js's `execute` for every operation the console and the CLI send.
 */
export function compiledExecutor(schema: GraphQLSchema): (run: HttpOperation) => Promise<ExecutionResult> {
  // Apollo keeps parsed documents in its document store, so the same query text is the same DocumentNode.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | ExecutionResult>>();
  const compile = (document: DocumentNode, operationName: string | null | undefined) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) {
      try {
        query = compileQuery(schema, document, operationName ?? undefined);
      } catch (error) {
        // Not expected for a validated document; graphql-js executes it instead (below).
        query = { errors: [new GraphQLError(`graphql-jit: ${String(error)}`)] };
      }
      byName.set(key, query);
    }
    return query;
  };

  return async ({ document, operation, operationName, variables: variableValues, context }) => {
    if (operation.operation !== 'query') {
      return execute({ schema, document, operationName, variableValues, contextValue: context });
    }
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {});
    if (coerced.errors) return { errors: coerced.errors };
    const query = compile(document, operationName);
    // A document graphql-jit did not compile is executed the usual way.
    if (!isCompiledQuery(query)) {
      return execute({ schema, document, operationName, variableValues, contextValue: context });
    }
    const result = await query.query(undefined, context, variableValues ?? {});
    if (!result.errors) return result;
    return { ...result, errors: result.errors.map((error) => asGraphQLError(error as JitError)) };
  };
}

function asGraphQLError(error: JitError): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const original = error.originalError;
  const converted = new GraphQLError(error.message, {
    path: error.path,
    // A GraphQLError thrown by a resolver keeps its extensions, as with graphql-js's locatedError.
    originalError: original,
  });
  // graphql-jit computed the locations from the field nodes already; GraphQLError only computes them.
  Object.defineProperty(converted, 'locations', { value: error.locations, enumerable: true });
  return converted;
}
