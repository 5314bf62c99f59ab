import { describe, expect, it } from 'vitest';
import { buildPod, DEFAULT_WORKSPACE_TEMPLATE, type DesiredWorkspace } from './workspace-objects.js';

const workspace: DesiredWorkspace = {
  id: 'f3a1c2d4-0000-4000-8000-000000000001',
  name: 'dev',
  organizationSlug: 'acme',
  desiredState: 'RUNNING',
};

describe('buildPod', () => {
  it('schedules nowhere special and sets no resources by default', () => {
    const pod = buildPod(workspace, 'ws', DEFAULT_WORKSPACE_TEMPLATE);
    expect(pod.spec?.nodeSelector).toBeUndefined();
    expect(pod.spec?.tolerations).toBeUndefined();
    expect(pod.spec?.containers[0]?.resources).toBeUndefined();
  });

  it("applies the template's nodeSelector, tolerations and resources", () => {
    const pod = buildPod(workspace, 'ws', {
      ...DEFAULT_WORKSPACE_TEMPLATE,
      nodeSelector: { pool: 'workspaces' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'workspaces', effect: 'NoSchedule' }],
      resources: { requests: { cpu: '500m' }, limits: { memory: '4Gi' } },
    });
    expect(pod.spec?.nodeSelector).toEqual({ pool: 'workspaces' });
    expect(pod.spec?.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'workspaces', effect: 'NoSchedule' },
    ]);
    expect(pod.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '500m' },
      limits: { memory: '4Gi' },
    });
  });
});
