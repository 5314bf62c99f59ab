import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { OutpostContext } from '../graphql/context.js';
import { Allow } from '../authorization/schema.js';
import { SITE_ADMIN } from '../authorization/decisions.js';
import { requirePageSize } from '../graphql/validation.js';
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
    return ctx.prisma.auditEvent.findMany({
      where: { ...(targetId ? { targetId } : {}), ...(action ? { action } : {}) },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: first,
    });
  }
}
