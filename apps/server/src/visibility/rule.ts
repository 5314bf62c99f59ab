import { sql, type Expression, type SqlBool } from 'kysely';
import type { Viewer } from '../graphql/context.js';
import { isSiteStaff } from '../authorization/principals.js';

/**
 * Who sees what, for every resource (README "Who sees what"): site staff (site admins and managers) see
 * everything; everyone else sees what belongs to one of their organizations — each resource says
 * what "belongs to" means, once in SQL and once over a row already read. A rule made here is the only
 * place a resource's visibility is decided: lists, counts and lookups use `where`, event delivery and
 * nested fields use `allows`, and test/visibility.property.test.ts checks on generated data that the
 * two agree for every kind of viewer.
 *
 * A rule looks at the viewer's site role and organization roles only — what authorizationKey
 * (authorization/principals.ts) captures — so subscribers with the same key may share one execution of an event
 * (events/shared-execution.ts). A rule that looked at more of the viewer would have to be keyed there.
 */
export interface VisibilityRule<Row> {
  /** The SQL condition (for the query's own table) that the viewer may see the row. */
  where(viewer: Viewer): Expression<SqlBool>;
  /** The same decision for a row already read. */
  allows(viewer: Viewer, row: Row): boolean;
}

/** What a resource tells the rule: how its organizations are found, in SQL and in memory. */
export interface OrganizationScope<Row> {
  /** SQL: one of `organizationIds` is among the row's organizations (never called for site staff). */
  belongsToAnyOf(organizationIds: readonly string[]): Expression<SqlBool>;
  /** Memory: the row's organizations. */
  organizationsOf(row: Row): Iterable<string>;
  /** Site staff see every row (true for every resource but the audit log, which is site admins' only). */
  staff?: (viewer: Viewer) => boolean;
  /** Whether anyone who is not staff may see a row at all (false: the audit log). */
  members?: boolean;
}

const ALL = sql<SqlBool>`true`;
const NONE = sql<SqlBool>`false`;

/**
 * The viewer part of the rule, shared by the two forms: `staff` sees all; a viewer with organizations
 * sees rows of those organizations; a viewer without any sees nothing (and no `= ANY('{}')` is sent).
 */
export function organizationScopedRule<Row>(scope: OrganizationScope<Row>): VisibilityRule<Row> {
  const staff = scope.staff ?? isSiteStaff;
  const members = scope.members ?? true;
  return {
    where(viewer) {
      if (staff(viewer)) return ALL;
      if (!members || viewer.organizationRoles.size === 0) return NONE;
      return scope.belongsToAnyOf([...viewer.organizationRoles.keys()]);
    },
    allows(viewer, row) {
      if (staff(viewer)) return true;
      if (!members) return false;
      for (const organizationId of scope.organizationsOf(row)) {
        if (viewer.organizationRoles.has(organizationId)) return true;
      }
      return false;
    },
  };
}
