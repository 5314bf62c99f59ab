import { fileURLToPath } from 'node:url';
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

// Every operation the console and the CLI send, collected from the typed documents graphql-codegen
// generates from their `graphql()` calls (apps/*/src/generated; each app's test/codegen.test.ts fails
// when those are stale). Collected, not listed: a new operation in either client shows up here by itself.

export type ClientName = 'console' | 'cli';

export interface ClientOperation {
  /** `console/Name` or `cli/Name`: the two clients have operations of the same name that differ. */
  key: string;
  client: ClientName;
  name: string;
  kind: OperationDefinitionNode['operation'];
  /** The document as the server receives it: printed by the client, parsed by the server (with locations). */
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

export async function clientOperations(): Promise<ClientOperation[]> {
  return [
    ...operationsOf('console', await generatedDocuments('console'), addTypenames),
    ...operationsOf('cli', await generatedDocuments('cli'), (document) => document),
  ];
}

/**
 * The app's generated module, imported by a path the compiler does not follow: the server's tsconfig
 * compiles only the server (rootDir), and the documents are checked here at run time anyway.
 */
async function generatedDocuments(client: ClientName): Promise<Record<string, unknown>> {
  const file = fileURLToPath(new URL(`../../${client}/src/generated/graphql.ts`, import.meta.url));
  return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
}

function operationsOf(
  client: ClientName,
  generated: Record<string, unknown>,
  asSent: (document: DocumentNode) => DocumentNode,
): ClientOperation[] {
  const operations: ClientOperation[] = [];
  for (const value of Object.values(generated)) {
    if (!isDocument(value)) continue;
    for (const definition of value.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = definition.name?.value;
      if (!name) throw new Error(`${client} sends an operation without a name`);
      const document = parse(print(asSent(value)));
      operations.push({
        key: `${client}/${name}`,
        client,
        name,
        kind: definition.operation,
        document,
        operation: document.definitions.find(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
        )!,
      });
    }
  }
  return operations;
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === 'object' && value !== null && (value as DocumentNode).kind === Kind.DOCUMENT;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * What Apollo Client's InMemoryCache does to every document before sending it (addTypenameToDocument):
 * `__typename` in every selection set except the operation's root. The console's requests carry it, so
 * the comparison must too (graphql-jit resolves `__typename` with code of its own).
 */
export function addTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet: {
      leave(node: SelectionSetNode, _key, parent) {
        if (
          parent &&
          !Array.isArray(parent) &&
          (parent as { kind?: string }).kind === Kind.OPERATION_DEFINITION
        )
          return undefined;
        const has = node.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename');
        return has ? undefined : { ...node, selections: [...node.selections, TYPENAME] };
      },
    },
  });
}

/**
 * The response paths an operation selects (`workspaceProviders.edges.node.status`), through fragments
 * and whatever their directives: the fields the seeded data must fill for the comparison to mean anything.
 */
export function selectedPaths(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  const paths = new Set<string>();
  const walk = (set: SelectionSetNode, prefix: string) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const path = `${prefix}${(selection.alias ?? selection.name).value}`;
        paths.add(path);
        if (selection.selectionSet) walk(selection.selectionSet, `${path}.`);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, prefix);
      } else {
        walk(fragments.get(selection.name.value)!.selectionSet, prefix);
      }
    }
  };
  walk(operation.selectionSet, '');
  return [...paths];
}

/** The response paths that hold a value other than null somewhere in `data` (list items merged). */
export function filledPaths(data: unknown, prefix = '', into = new Set<string>()): Set<string> {
  if (Array.isArray(data)) {
    for (const item of data) filledPaths(item, prefix, into);
  } else if (typeof data === 'object' && data !== null) {
    for (const [key, value] of Object.entries(data)) {
      if (value === null || value === undefined) continue;
      into.add(`${prefix}${key}`);
      filledPaths(value, `${prefix}${key}.`, into);
    }
  }
  return into;
}
