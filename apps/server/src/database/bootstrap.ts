import type { PrismaClient } from '@outpost/prisma';
import { BUILT_IN_PROVIDER_NAME } from '../providers/provider-rules.js';
import { setupFirstAdmin } from '../auth/auth.service.js';
import { recordProviderCreated } from '../providers/provider-status.js';
import type { OutpostConfig } from '../config.js';

/**
 * Rule 1: the `built-in` provider exists from first start, as the default, allowlisting every organization.
 * Idempotent: the unique name and ON CONFLICT make concurrent or repeated starts create it once.
 */
export async function ensureBuiltInProvider(prisma: PrismaClient): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const created = await tx.$queryRaw<Array<{ id: string }>>`
      INSERT INTO workspace_providers (id, name, display_name, region, kind, namespace, is_default, updated_at)
      VALUES (gen_random_uuid(), ${BUILT_IN_PROVIDER_NAME}, 'Built-in', 'local', 'BUILT_IN', 'outpost-workspaces',
              NOT EXISTS (SELECT 1 FROM workspace_providers WHERE is_default), now())
      ON CONFLICT (name) DO NOTHING
      RETURNING id`;
    const builtIn = created[0];
    if (!builtIn) return;
    await tx.$executeRaw`
      INSERT INTO provider_allowlist_entries (provider_id, organization_id)
      SELECT ${builtIn.id}::uuid, id FROM organizations ON CONFLICT DO NOTHING`;
    await recordProviderCreated(tx, builtIn.id, {
      message: 'Waiting for the built-in agent to connect.',
      eventMessage: 'Created at first start.',
    });
    await tx.auditEvent.create({
      data: {
        action: 'workspaceProvider.create',
        targetType: 'WorkspaceProvider',
        targetId: builtIn.id,
        after: { name: BUILT_IN_PROVIDER_NAME },
      },
    });
  });
}

/** OUTPOST_ADMIN_EMAIL/PASSWORD create the first admin when no user exists yet; otherwise they are ignored. */
export async function ensureAdminFromEnvironment(
  prisma: PrismaClient,
  config: OutpostConfig,
): Promise<boolean> {
  if (!config.admin || (await prisma.user.count()) > 0) return false;
  await setupFirstAdmin(prisma, config.admin, 'environment').catch((error: unknown) => {
    // Another replica created it first: fine.
    if ((error as { extensions?: { code?: string } }).extensions?.code !== 'PRECONDITION_FAILED') throw error;
  });
  return true;
}
