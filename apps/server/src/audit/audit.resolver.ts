import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import { SITE_ADMIN } from '../authorization/decisions.js';
import { requirePageSize } from '../graphql/validation.js';
import { authorizedViewer } from '../authorization/principals.js';
import { auditEventVisibility } from '../visibility/audit-event.js';
import { AuditEvent } from './audit.type.js';

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Allow(SITE_ADMIN)
  @Query(() => [AuditEvent], { description: 'Newest first. Site admins only.' })
  auditEvents(
    @Ctx() ctx: OutpostContext,
    @Arg('first', () => Int, { defaultValue: 50, description: '1–100.' }) first: number,
    @Arg('targetId', () => ID, { nullable: true }) targetId?: string,
    @Arg('action', () => String, { nullable: true }) action?: string,
  ) {
    requirePageSize('first', first);
    let query = ctx.db
      .selectFrom('audit_events')
      .select([
        'id',
        'actor_id as actorId',
        'action',
        'target_type as targetType',
        'target_id as targetId',
        'before',
        'after',
        'at',
      ])
      .where(auditEventVisibility.where(authorizedViewer(ctx)));
    if (targetId) query = query.where('target_id', '=', targetId);
    if (action) query = query.where('action', '=', action);
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(first).execute();
  }
}
