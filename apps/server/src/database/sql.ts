import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import type { DB, DbOrTransaction } from '@outpost/prisma';

/**
 * A hand-written statement (`$1`, `$2`, …) through Kysely, for the few statements its builder does not
 * express well (the agent lease's data-modifying CTEs). It goes through the same pool, the same
 * statement counter and, given a Kysely transaction, the same transaction as every other query. Rows
 * come back as `pg` parses them (timestamptz as Date, enums as strings, json parsed). The row type is
 * the caller's promise, so prefer the query builder, whose rows are typed from schema.prisma.
 */
export async function rawRows<T>(
  db: DbOrTransaction,
  text: string,
  values: readonly unknown[],
): Promise<T[]> {
  return (await db.executeQuery<T>(CompiledQuery.raw(text, [...values]))).rows;
}

/**
 * Kysely with no connection, for compiling a query that runs inside a Prisma interactive transaction
 * (`tx.$queryRawUnsafe(compiled.sql, ...compiled.parameters)`): the services whose writes are still
 * Prisma's build their reads and rules with the same builder and expressions as everywhere else.
 */
export const queryBuilder = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
