import type {
  CoreV1Api,
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { backoffDelayMs, RECONCILE_BACKOFF } from '../backoff.js';
import { errorMessage, silentLogger, type AgentLogger } from '../logger.js';
import { describeFailedRequest, isConflict, isNotFound } from './errors.js';
import { WORKSPACE_RESOURCES, type WorkspaceResource } from './permissions.js';
import {
  buildPersistentVolumeClaim,
  buildPod,
  buildService,
  DEFAULT_WORKSPACE_TEMPLATE,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MANAGED_SELECTOR,
  WORKSPACE_ID_LABEL,
  workspaceLabels,
  workspaceObjectName,
  type DesiredWorkspace,
  type WorkspaceTemplate,
} from './workspace-objects.js';

/**
 * Level-triggered workspace reconciliation (PROTOCOL.md "Flow" step 5). Each pass:
 *
 * 1. fetches the desired workspaces from the server — if that fails, the pass stops there and
 *    NOTHING is deleted;
 * 2. lists every object labelled `app.kubernetes.io/managed-by=outpost` of each workspace resource;
 * 3. makes each workspace's PersistentVolumeClaim, Pod and Service match its desired state
 *    (RUNNING: all three; STOPPED: the claim only; DELETED: none, then phase `Deleted`);
 * 4. deletes labelled objects whose workspace is not in the desired list (strays);
 * 5. reports every workspace's observed phase and message to the server.
 *
 * Passes run on start, when nudged (the server's workspace events), every resync interval, and — after
 * a failed pass — with capped exponential back-off.
 */

/** What the agent reports per workspace: a Pod phase (Pending, Running, Succeeded, Failed, Unknown) or one of its own. */
export type WorkspacePhase =
  | 'Pending'
  | 'Running'
  | 'Succeeded'
  | 'Failed'
  | 'Unknown'
  | 'Stopping'
  | 'Stopped'
  | 'Deleting'
  | 'Deleted'
  | 'Error';

export interface WorkspaceObservation {
  workspaceId: string;
  phase: WorkspacePhase;
  message: string | null;
}

export interface ReconcilerOptions {
  core: CoreV1Api;
  namespace: string;
  /** For messages: the API server's URL. */
  apiServerUrl: string;
  /** The reconciler's input: `agentWorkspaces` from the server. Throwing makes the pass change nothing. */
  fetchDesiredWorkspaces: () => Promise<DesiredWorkspace[]>;
  /** `reportWorkspaceStatus`; called with at most REPORT_BATCH_SIZE observations at a time. */
  reportObservations: (observations: WorkspaceObservation[]) => Promise<void>;
  template?: WorkspaceTemplate;
  /** Seconds between passes when nothing nudges it. Default 30. */
  resyncIntervalSeconds?: number;
  logger?: AgentLogger;
}

export interface ObjectRef {
  resource: WorkspaceResource;
  name: string;
}

export interface ReconcilePassResult {
  /** false: the desired list could not be fetched, so nothing was created or deleted. */
  desiredFetched: boolean;
  observations: WorkspaceObservation[];
  created: ObjectRef[];
  deleted: ObjectRef[];
  /** What went wrong, in admin words; a pass with errors is retried with back-off. */
  errors: string[];
  /** The observations reached the server. */
  reported: boolean;
}

const REPORT_BATCH_SIZE = 100;
const WORKSPACE_CONCURRENCY = 4;
const NUDGE_DEBOUNCE_MS = 100;
/** While a workspace is stopping or deleting, look again this soon instead of waiting for the resync. */
const TRANSITION_RECHECK_MS = 2_000;

type KubeObject = { metadata?: V1ObjectMeta };
interface ObjectTypes {
  persistentvolumeclaims: V1PersistentVolumeClaim;
  pods: V1Pod;
  services: V1Service;
}

/** The API calls for one resource, keyed by AGENT_PERMISSIONS' resource names so nothing is used unchecked. */
interface ResourceApi<T extends KubeObject> {
  kind: string;
  build(workspace: DesiredWorkspace, namespace: string, template: WorkspaceTemplate): T;
  list(labelSelector: string): Promise<T[]>;
  read(name: string): Promise<T>;
  create(body: T): Promise<T>;
  replace(name: string, body: T): Promise<T>;
  remove(name: string): Promise<void>;
}

function resourceApis(
  core: CoreV1Api,
  namespace: string,
): { [R in WorkspaceResource]: ResourceApi<ObjectTypes[R]> } {
  return {
    persistentvolumeclaims: {
      kind: 'PersistentVolumeClaim',
      build: buildPersistentVolumeClaim,
      list: async (labelSelector) =>
        (await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })).items,
      read: (name) => core.readNamespacedPersistentVolumeClaim({ name, namespace }),
      create: (body) => core.createNamespacedPersistentVolumeClaim({ namespace, body }),
      replace: (name, body) => core.replaceNamespacedPersistentVolumeClaim({ name, namespace, body }),
      remove: async (name) => {
        await core.deleteNamespacedPersistentVolumeClaim({ name, namespace });
      },
    },
    pods: {
      kind: 'Pod',
      build: buildPod,
      list: async (labelSelector) => (await core.listNamespacedPod({ namespace, labelSelector })).items,
      read: (name) => core.readNamespacedPod({ name, namespace }),
      create: (body) => core.createNamespacedPod({ namespace, body }),
      replace: (name, body) => core.replaceNamespacedPod({ name, namespace, body }),
      remove: async (name) => {
        await core.deleteNamespacedPod({ name, namespace });
      },
    },
    services: {
      kind: 'Service',
      build: buildService,
      list: async (labelSelector) => (await core.listNamespacedService({ namespace, labelSelector })).items,
      read: (name) => core.readNamespacedService({ name, namespace }),
      create: (body) => core.createNamespacedService({ namespace, body }),
      replace: (name, body) => core.replaceNamespacedService({ name, namespace, body }),
      remove: async (name) => {
        await core.deleteNamespacedService({ name, namespace });
      },
    },
  };
}

/** A failure with its admin-facing message; `transient` ones report phase Unknown rather than Error. */
class ReconcileError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

type Snapshot = Map<WorkspaceResource, KubeObject[] | ReconcileError>;

export class WorkspaceReconciler {
  private readonly apis: ReturnType<typeof resourceApis>;
  private readonly template: WorkspaceTemplate;
  private readonly logger: AgentLogger;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private rerunRequested = false;
  private consecutiveFailures = 0;
  private last: { at: Date; result: ReconcilePassResult } | null = null;

  constructor(private readonly options: ReconcilerOptions) {
    this.apis = resourceApis(options.core, options.namespace);
    this.template = options.template ?? DEFAULT_WORKSPACE_TEMPLATE;
    this.logger = options.logger ?? silentLogger;
  }

  /** The latest pass's outcome. */
  get lastPass(): { at: Date; result: ReconcilePassResult } | null {
    return this.last;
  }

  /** Starts passes: one now, then on nudges, every resync interval, and with back-off after failures. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Something changed on the server: reconcile soon (bursts of nudges coalesce into one pass). */
  nudge(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.rerunRequested = true;
      return;
    }
    this.schedule(NUDGE_DEBOUNCE_MS);
  }

  /** Stops scheduling passes and waits for one in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One full pass (see the module comment). Never throws: failures are in the result. */
  async reconcileOnce(): Promise<ReconcilePassResult> {
    const result: ReconcilePassResult = {
      desiredFetched: false,
      observations: [],
      created: [],
      deleted: [],
      errors: [],
      reported: false,
    };
    let desired: DesiredWorkspace[];
    try {
      desired = await this.options.fetchDesiredWorkspaces();
    } catch (error) {
      result.errors.push(`cannot fetch the desired workspaces from the server: ${errorMessage(error)}`);
      return result;
    }
    result.desiredFetched = true;

    const snapshot: Snapshot = new Map();
    await Promise.all(
      WORKSPACE_RESOURCES.map(async (resource) => {
        try {
          snapshot.set(resource, await this.apis[resource].list(MANAGED_SELECTOR));
        } catch (error) {
          const { message, failure } = this.describe(error, `list ${resource}`);
          snapshot.set(resource, new ReconcileError(message, failure.transient));
          result.errors.push(message);
        }
      }),
    );

    result.observations = await mapWithConcurrency(desired, WORKSPACE_CONCURRENCY, (workspace) =>
      this.reconcileWorkspace(workspace, snapshot, result),
    );
    await this.deleteStrays(new Set(desired.map((workspace) => workspace.id)), snapshot, result);

    try {
      for (let i = 0; i < result.observations.length; i += REPORT_BATCH_SIZE) {
        await this.options.reportObservations(result.observations.slice(i, i + REPORT_BATCH_SIZE));
      }
      result.reported = true;
    } catch (error) {
      result.errors.push(`cannot report workspace status to the server: ${errorMessage(error)}`);
    }
    return result;
  }

  private async reconcileWorkspace(
    workspace: DesiredWorkspace,
    snapshot: Snapshot,
    result: ReconcilePassResult,
  ): Promise<WorkspaceObservation> {
    const observe = (phase: WorkspacePhase, message: string | null = null): WorkspaceObservation => ({
      workspaceId: workspace.id,
      phase,
      message,
    });
    try {
      const name = workspaceObjectName(workspace);
      const owned = <R extends WorkspaceResource>(resource: R): ObjectTypes[R][] => {
        const listed = snapshot.get(resource);
        if (listed instanceof ReconcileError) throw listed;
        return (listed ?? []).filter(
          (object) => object.metadata?.labels?.[WORKSPACE_ID_LABEL] === workspace.id,
        ) as ObjectTypes[R][];
      };
      // A Pod or Service of this workspace under another name (it was renamed) is replaced. Its claim
      // holds the user's files: it is kept and reused under its old name until the workspace is deleted.
      const keepsClaim = workspace.desiredState !== 'DELETED';
      for (const resource of WORKSPACE_RESOURCES) {
        if (resource === 'persistentvolumeclaims' && keepsClaim) continue;
        for (const object of owned(resource)) {
          const objectName = object.metadata?.name;
          if (objectName && objectName !== name && !object.metadata?.deletionTimestamp) {
            await this.remove(resource, objectName, result);
          }
        }
      }
      const current = <R extends WorkspaceResource>(resource: R) =>
        owned(resource).find((object) => object.metadata?.name === name);
      const currentClaim = () =>
        current('persistentvolumeclaims') ??
        owned('persistentvolumeclaims').find((claim) => !claim.metadata?.deletionTimestamp);

      switch (workspace.desiredState) {
        case 'RUNNING': {
          const claim = await this.ensure('persistentvolumeclaims', workspace, currentClaim(), result);
          const claimName = claim.metadata?.name ?? name;
          const pod = await this.ensure('pods', workspace, current('pods'), result, (namespace, template) =>
            buildPod(workspace, namespace, template, claimName),
          );
          await this.ensure('services', workspace, current('services'), result);
          if (claim.status?.phase === 'Lost') {
            return observe('Error', `the workspace's PersistentVolumeClaim ${name} lost its volume`);
          }
          return observePod(pod, observe);
        }
        case 'STOPPED': {
          await this.ensure('persistentvolumeclaims', workspace, currentClaim(), result);
          const podGone = await this.removeAndConfirm('pods', current('pods'), result);
          await this.removeAndConfirm('services', current('services'), result);
          return podGone ? observe('Stopped') : observe('Stopping', `waiting for pod ${name} to terminate`);
        }
        case 'DELETED': {
          const remaining: string[] = [];
          if (!(await this.removeAndConfirm('pods', current('pods'), result))) remaining.push(`pod ${name}`);
          if (!(await this.removeAndConfirm('services', current('services'), result)))
            remaining.push(`service ${name}`);
          // A claim stays Terminating until the cluster's PVC-protection controller sees no pod using
          // it; once its deletion is accepted and the pod is gone, the workspace is gone for our purposes.
          const claimGone = await this.removeAndConfirm(
            'persistentvolumeclaims',
            current('persistentvolumeclaims'),
            result,
            {
              terminatingIsGone: remaining.length === 0,
            },
          );
          if (!claimGone) remaining.push(`persistentvolumeclaim ${name}`);
          return remaining.length === 0
            ? observe('Deleted')
            : observe('Deleting', `waiting for Kubernetes to delete ${remaining.join(', ')}`);
        }
        default:
          return observe(
            'Error',
            `unknown desired state ${String(workspace.desiredState)}: upgrade the agent`,
          );
      }
    } catch (error) {
      const failure =
        error instanceof ReconcileError ? error : new ReconcileError(errorMessage(error), false);
      result.errors.push(`workspace ${workspace.id}: ${failure.message}`);
      return observe(failure.transient ? 'Unknown' : 'Error', failure.message);
    }
  }

  /** Returns the existing object, or creates it from the template. */
  private async ensure<R extends WorkspaceResource>(
    resource: R,
    workspace: DesiredWorkspace,
    existing: ObjectTypes[R] | undefined,
    result: ReconcilePassResult,
    build?: (namespace: string, template: WorkspaceTemplate) => ObjectTypes[R],
  ): Promise<ObjectTypes[R]> {
    if (existing) return existing;
    const api = this.apis[resource] as ResourceApi<ObjectTypes[R]>;
    const body = build
      ? build(this.options.namespace, this.template)
      : api.build(workspace, this.options.namespace, this.template);
    const name = body.metadata!.name!;
    try {
      const created = await api.create(body);
      result.created.push({ resource, name });
      this.logger.info(`created ${resource}/${name}`, { workspaceId: workspace.id });
      return created;
    } catch (error) {
      if (!isConflict(error)) throw this.failure(error, `create ${resource}`);
    }
    // It exists but was not in our list: created concurrently, or its managed-by label was removed.
    const found = await this.call(() => api.read(name), `get ${resource}`);
    const labels = found.metadata?.labels ?? {};
    if (labels[WORKSPACE_ID_LABEL] !== workspace.id) {
      throw new ReconcileError(
        `a ${api.kind} named ${name} already exists in namespace ${this.options.namespace} and does not belong to this workspace: delete or rename it`,
        false,
      );
    }
    if (labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return found;
    const relabelled = {
      ...found,
      metadata: { ...found.metadata, labels: { ...labels, ...workspaceLabels(workspace) } },
    };
    this.logger.info(`restoring the labels of ${resource}/${name}`, { workspaceId: workspace.id });
    return this.call(() => api.replace(name, relabelled), `update ${resource}`);
  }

  /** Deletes the object if present; true when it is gone afterwards (or, optionally, terminating). */
  private async removeAndConfirm(
    resource: WorkspaceResource,
    existing: KubeObject | undefined,
    result: ReconcilePassResult,
    options: { terminatingIsGone?: boolean } = {},
  ): Promise<boolean> {
    const name = existing?.metadata?.name;
    if (!name) return true;
    if (!existing.metadata?.deletionTimestamp) await this.remove(resource, name, result);
    try {
      const after = await this.apis[resource].read(name);
      return !!options.terminatingIsGone && !!after.metadata?.deletionTimestamp;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw this.failure(error, `get ${resource}`);
    }
  }

  private async remove(
    resource: WorkspaceResource,
    name: string,
    result: ReconcilePassResult,
  ): Promise<void> {
    try {
      await this.apis[resource].remove(name);
      result.deleted.push({ resource, name });
      this.logger.info(`deleted ${resource}/${name}`);
    } catch (error) {
      if (!isNotFound(error)) throw this.failure(error, `delete ${resource}`);
    }
  }

  /** Labelled objects whose workspace is not desired. Only runs on lists fetched in this very pass. */
  private async deleteStrays(desiredIds: Set<string>, snapshot: Snapshot, result: ReconcilePassResult) {
    for (const resource of WORKSPACE_RESOURCES) {
      const listed = snapshot.get(resource);
      if (!listed || listed instanceof ReconcileError) continue;
      for (const object of listed) {
        const id = object.metadata?.labels?.[WORKSPACE_ID_LABEL];
        const name = object.metadata?.name;
        if (!name || (id && desiredIds.has(id)) || object.metadata?.deletionTimestamp) continue;
        try {
          await this.remove(resource, name, result);
        } catch (error) {
          result.errors.push(`stray ${resource}/${name}: ${errorMessage(error)}`);
        }
      }
    }
  }

  private async call<T>(fn: () => Promise<T>, action: string): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.failure(error, action);
    }
  }

  private describe(error: unknown, action: string) {
    return describeFailedRequest(error, action, {
      namespace: this.options.namespace,
      apiServerUrl: this.options.apiServerUrl,
    });
  }

  private failure(error: unknown, action: string): ReconcileError {
    const { message, failure } = this.describe(error, action);
    return new ReconcileError(message, failure.transient);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runScheduledPass(), delayMs);
  }

  private async runScheduledPass(): Promise<void> {
    this.timer = undefined;
    if (!this.running) return;
    let settle!: () => void;
    this.inFlight = new Promise((resolve) => (settle = resolve));
    let result: ReconcilePassResult;
    try {
      result = await this.reconcileOnce();
    } finally {
      this.inFlight = undefined;
      settle();
    }
    this.last = { at: new Date(), result };
    if (!this.running) return;

    const resyncMs = (this.options.resyncIntervalSeconds ?? 30) * 1000;
    let delayMs: number;
    if (result.errors.length > 0) {
      delayMs = Math.min(backoffDelayMs(this.consecutiveFailures++, RECONCILE_BACKOFF), resyncMs);
      this.logger.warn(`reconcile pass failed; retrying in ${Math.round(delayMs / 100) / 10} s`, {
        errors: result.errors,
      });
    } else {
      this.consecutiveFailures = 0;
      const transitional = result.observations.some((o) => o.phase === 'Stopping' || o.phase === 'Deleting');
      delayMs = transitional ? Math.min(TRANSITION_RECHECK_MS, resyncMs) : resyncMs;
      this.logger.debug('reconcile pass done', {
        workspaces: result.observations.length,
        created: result.created.length,
        deleted: result.deleted.length,
      });
    }
    if (this.rerunRequested) {
      this.rerunRequested = false;
      delayMs = Math.min(delayMs, NUDGE_DEBOUNCE_MS);
    }
    this.schedule(delayMs);
  }
}

/** The observed phase and message of a desired-RUNNING workspace, from its Pod. */
export function observePod(
  pod: V1Pod,
  observe: (phase: WorkspacePhase, message?: string | null) => WorkspaceObservation,
): WorkspaceObservation {
  const name = pod.metadata?.name ?? 'the pod';
  if (pod.metadata?.deletionTimestamp) {
    return observe('Pending', `waiting for the previous pod ${name} to terminate before starting a new one`);
  }
  const phase = (pod.status?.phase ?? 'Pending') as WorkspacePhase;
  const waiting = pod.status?.containerStatuses?.find((status) => status.state?.waiting)?.state?.waiting;
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  switch (phase) {
    case 'Pending':
      if (waiting?.reason) {
        return observe(
          'Pending',
          `the workspace container is waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
        );
      }
      if (scheduled?.status === 'False') {
        return observe(
          'Pending',
          `the pod cannot be scheduled yet: ${scheduled.message ?? scheduled.reason ?? 'no reason given'}`,
        );
      }
      if (!pod.spec?.nodeName) return observe('Pending', 'waiting for the pod to be scheduled');
      return observe('Pending', `waiting for the workspace container to start on node ${pod.spec.nodeName}`);
    case 'Running': {
      const ready =
        pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True';
      if (ready) return observe('Running', null);
      if (waiting?.reason)
        return observe('Running', `the workspace container is restarting: ${waiting.reason}`);
      return observe('Running', 'the workspace container is starting');
    }
    case 'Failed':
    case 'Succeeded':
      return observe(phase, pod.status?.message ?? pod.status?.reason ?? 'the workspace container exited');
    default:
      return observe('Unknown', pod.status?.message ?? 'the node running the workspace stopped reporting');
  }
}

async function mapWithConcurrency<T, U>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<U>,
): Promise<U[]> {
  const results = new Array<U>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
