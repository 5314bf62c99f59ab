import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { backoffDelayMs, RECONNECT_BACKOFF, sleep } from './backoff.js';
import {
  loadKubeConfig,
  resolveAgentSettings,
  toKubeConfig,
  type AgentOptions,
  type AgentSettings,
} from './config.js';
import { KubernetesSecretCredentialStore, type CredentialStore } from './credential-store.js';
import { writeHealthFile } from './health-file.js';
import { consoleLogger, errorMessage, type AgentLogger } from './logger.js';
import { createKubernetesClients, type KubernetesClients } from './kubernetes/clients.js';
import { runClusterChecks, type CheckResult } from './kubernetes/cluster-checks.js';
import { describeFailedRequest } from './kubernetes/errors.js';
import { readNodeSummary, UNKNOWN_NODE_SUMMARY, type NodeSummary } from './kubernetes/node-summary.js';
import { WorkspaceReconciler, type ReconcilePassResult } from './kubernetes/reconciler.js';
import { serverVersionCheck } from './server/compatibility.js';
import { fitObservations, fitStatusReport } from './server/input-limits.js';
import { ConnectionClosedError, ServerConnection, ServerOperationError } from './server/connection.js';
import { subscribeResiliently } from './server/resilient-subscription.js';
import { LeaseGate } from './server/lease.js';
import {
  AGENT_HEARTBEAT,
  AGENT_WORKSPACE_EVENTS,
  AGENT_WORKSPACES,
  REGISTER_AGENT,
  REPORT_AGENT_STATUS,
  REPORT_WORKSPACE_STATUS,
  ROTATE_AGENT_CREDENTIAL,
  SERVER_INFO,
  type AgentAck,
  type AgentLeaseRole,
  type AgentRegistration,
  type ProviderStatus,
  type ServerInfo,
} from './server/operations.js';
import { AGENT_PROTOCOL_VERSION, AGENT_VERSION } from './version.js';

/**
 * Wires the agent together (PROTOCOL.md "Flow"): cluster checks on start and every check interval;
 * one server connection at a time, re-opened with back-off; registration on first contact; status
 * reports, heartbeats, the workspace-event subscription and the reconciler while connected.
 */

export type StartAgentOptions = AgentOptions;

/** What the agent knows right now; for the host process, logs and tests. */
export interface AgentSnapshot {
  connected: boolean;
  /** From registerAgent; null after a restart that reused a stored credential. */
  providerId: string | null;
  providerName: string | null;
  /** The provider's status from the latest AgentAck. */
  providerStatus: ProviderStatus | null;
  serverVersion: string | null;
  heartbeatIntervalSeconds: number;
  kubernetesVersion: string | null;
  nodeSummary: NodeSummary;
  /** The latest checks, including `server-version` once the server was reached. */
  checks: CheckResult[];
  lastReportAt: Date | null;
  lastHeartbeatAt: Date | null;
  /** Why the agent is not (fully) working, in admin words; null when all is well. */
  lastError: string | null;
  lastReconcile: { at: Date; result: ReconcilePassResult } | null;
  /** HOLDER: this agent acts for the provider; STANDBY: another agent does (PROTOCOL.md "Lease"). */
  leaseRole: AgentLeaseRole | null;
}

export interface RunningAgent {
  readonly settings: AgentSettings;
  snapshot(): AgentSnapshot;
  /** Reconcile workspaces now (when connected). */
  reconcileNow(): void;
  /** Re-run the checks now and report them when connected. */
  checkNow(): Promise<CheckResult[]>;
  /** `rotateAgentCredential`: store the new credential, then reconnect with it. */
  rotateCredential(): Promise<void>;
  /** Stops timers, the reconciler and the connection. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts an agent. Resolves once the first cluster checks ran; connecting to the server (and
 * registering) carries on in the background, retried with back-off until `stop()`. Throws
 * AgentConfigError for invalid options.
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const settings = resolveAgentSettings(options);
  const kubeConfig = options.kubeConfig !== undefined ? toKubeConfig(options.kubeConfig) : loadKubeConfig();
  const agent = new Agent(settings, kubeConfig, options);
  await agent.start();
  return agent;
}

/**
 * How long a heartbeat may go unanswered before the agent drops the connection and reconnects. A
 * partition that drops packets (rather than resetting connections) leaves the socket looking open:
 * without a deadline tied to the heartbeat interval, the agent would only notice at the next
 * keep-alive ping timeout (15 s) or request timeout, and the provider would sit in ERROR that long
 * after the network healed. Two intervals (at least 2 s, at most the 15 s request timeout) tolerate a
 * slow server without dropping healthy connections.
 */
export function heartbeatTimeoutMs(heartbeatIntervalSeconds: number): number {
  return Math.min(15_000, Math.max(2_000, 2 * heartbeatIntervalSeconds * 1000));
}

/** An error whose message is already what the admin should read. */
class AgentError extends Error {}

const CREDENTIAL_PREFIX = 'opag_';

class Agent implements RunningAgent {
  private readonly logger: AgentLogger;
  private readonly clients: KubernetesClients;
  private readonly store: CredentialStore;
  private readonly reconciler: WorkspaceReconciler;
  private readonly stopController = new AbortController();
  private stopping: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private connection: ServerConnection | null = null;
  /** This process, across reconnects: the server keeps its agent lease for it (PROTOCOL.md "Lease"). */
  private readonly instanceId = randomUUID();
  /** The current connection's lease: a standby reconciles nothing and reports nothing. */
  private lease: LeaseGate | null = null;
  private unsubscribeWorkspaceEvents: (() => void) | undefined;
  private credential: string | null;
  /** A credential the server refused: not used again, even if it is still the stored one. */
  private rejectedCredential: string | null = null;
  /** Registered, but the credential store could not be written yet. */
  private credentialUnsaved = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private checksInFlight: Promise<void> | null = null;
  private clusterChecks: CheckResult[] = [];
  private state: AgentSnapshot;
  /** The health file could not be written last time (logged once until it works again). */
  private healthFileFailing = false;

  constructor(
    readonly settings: AgentSettings,
    kubeConfig: KubeConfig,
    private readonly options: AgentOptions,
  ) {
    this.logger = options.logger ?? consoleLogger('info');
    this.clients = createKubernetesClients(kubeConfig, {
      requestTimeoutMs: settings.kubernetesRequestTimeoutMs,
    });
    this.store =
      options.credentialStore ?? new KubernetesSecretCredentialStore(this.clients.core, settings.namespace);
    this.credential = options.credential ?? null;
    this.state = {
      connected: false,
      providerId: null,
      providerName: null,
      providerStatus: null,
      serverVersion: null,
      heartbeatIntervalSeconds: settings.heartbeatIntervalSeconds,
      kubernetesVersion: null,
      nodeSummary: UNKNOWN_NODE_SUMMARY,
      checks: [],
      lastReportAt: null,
      lastHeartbeatAt: null,
      lastError: null,
      lastReconcile: null,
      leaseRole: null,
    };
    this.reconciler = new WorkspaceReconciler({
      core: this.clients.core,
      namespace: settings.namespace,
      apiServerUrl: this.clients.apiServerUrl,
      template: settings.workspaceTemplate,
      resyncIntervalSeconds: settings.resyncIntervalSeconds,
      logger: this.logger,
      fetchDesiredWorkspaces: () =>
        this.actingRequest(
          async (connection) => (await connection.request(AGENT_WORKSPACES)).agentWorkspaces,
        ),
      reportObservations: (observations) =>
        this.actingRequest(async (connection) => {
          await connection.request(REPORT_WORKSPACE_STATUS, {
            observations: fitObservations(observations),
          });
        }),
    });
  }

  async start(): Promise<void> {
    this.logger.info(
      `Outpost agent ${AGENT_VERSION} (protocol ${AGENT_PROTOCOL_VERSION}) for namespace ${this.settings.namespace}; ` +
        `Kubernetes API ${this.clients.apiServerUrl}; server ${this.settings.graphqlUrl}`,
    );
    this.logger.info(
      `agent instance ${this.instanceId} (how the server tells this process apart for the agent lease)`,
    );
    await this.refreshClusterChecks();
    this.scheduleChecks();
    this.loop = this.connectionLoop();
  }

  snapshot(): AgentSnapshot {
    return {
      ...this.state,
      checks: [...this.state.checks],
      lastReconcile: this.reconciler.lastPass,
      leaseRole: this.lease?.holdsLease ? 'HOLDER' : this.lease ? 'STANDBY' : null,
    };
  }

  reconcileNow(): void {
    this.reconciler.nudge();
  }

  async checkNow(): Promise<CheckResult[]> {
    await this.refreshClusterChecks();
    const connection = this.connection;
    // A standby reports nothing: the provider's status is the lease holder's to tell.
    if (connection?.isOpen && this.lease?.holdsLease)
      await this.report(connection).catch((error) => this.sessionError(connection, error));
    return [...this.state.checks];
  }

  async rotateCredential(): Promise<void> {
    const connection = this.requireConnection();
    const { rotateAgentCredential } = await connection.request(ROTATE_AGENT_CREDENTIAL);
    await this.adoptCredential(rotateAgentCredential);
    this.logger.info('rotated the agent credential; reconnecting with the new one');
    await connection.close();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('stopping');
      this.stopController.abort();
      clearTimeout(this.checkTimer);
      clearTimeout(this.heartbeatTimer);
      await this.reconciler.stop();
      await this.connection?.close();
      await this.loop;
      await this.checksInFlight;
      this.logger.info('stopped');
    })();
    return this.stopping;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  // --- Cluster checks ---

  private refreshClusterChecks(): Promise<void> {
    this.checksInFlight ??= (async () => {
      try {
        const report = await runClusterChecks(this.clients, this.settings.namespace);
        const apiReachable = report.kubernetesVersion !== null;
        const nodes = apiReachable
          ? await readNodeSummary(this.clients.core)
          : { summary: UNKNOWN_NODE_SUMMARY };
        if ('error' in nodes && nodes.error) {
          this.logger.debug('cannot list nodes; reporting no node summary', {
            error: errorMessage(nodes.error),
          });
        }
        this.logCheckChanges(this.clusterChecks, report.checks);
        this.clusterChecks = report.checks;
        this.state.kubernetesVersion = report.kubernetesVersion;
        this.state.nodeSummary = nodes.summary;
        const serverCheck = this.state.checks.find((check) => check.name === 'server-version');
        this.state.checks = [...report.checks, ...(serverCheck ? [serverCheck] : [])];
      } finally {
        this.checksInFlight = null;
      }
    })();
    return this.checksInFlight;
  }

  private scheduleChecks(): void {
    this.checkTimer = setTimeout(
      () => void this.runPeriodicChecks(),
      this.settings.checkIntervalSeconds * 1000,
    );
  }

  /** The checks, then the next run is scheduled. Never rejects. */
  private async runPeriodicChecks(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.checkNow();
    } catch (error) {
      this.logger.warn(`periodic checks failed: ${errorMessage(error)}`);
    }
    if (!this.stopped) this.scheduleChecks();
  }

  private logCheckChanges(before: CheckResult[], after: CheckResult[]): void {
    for (const check of after) {
      const previous = before.find((b) => b.name === check.name);
      if (previous && previous.passed === check.passed && previous.message === check.message) continue;
      if (check.passed) this.logger.info(`check ${check.name} passed: ${check.message}`);
      else this.logger.warn(`check ${check.name} failed: ${check.message}`);
    }
  }

  // --- Server connection ---

  private async connectionLoop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let connection: ServerConnection | null = null;
      try {
        const credential = await this.obtainCredential();
        connection = await ServerConnection.open({
          url: this.settings.graphqlUrl,
          token: credential,
          instanceId: this.instanceId,
          logger: this.logger,
          signal: this.stopController.signal,
        });
        if (await this.runSession(connection)) attempt = 0;
      } catch (error) {
        if (!this.stopped) this.recordError(error);
      } finally {
        await connection?.close();
      }
      if (this.stopped) break;
      const delayMs = backoffDelayMs(attempt++, RECONNECT_BACKOFF);
      this.logger.info(`reconnecting to the server in ${(delayMs / 1000).toFixed(1)} s`);
      await sleep(delayMs, this.stopController.signal);
    }
  }

  /** A credential to connect with: in memory, stored, or fresh from registering. */
  private async obtainCredential(): Promise<string> {
    if (this.credential && this.credential !== this.rejectedCredential) return this.credential;
    let stored: string | null;
    try {
      stored = await this.store.load();
    } catch (error) {
      throw new AgentError(
        `cannot read the stored credential (${this.store.description}): ${this.describeKubernetes(error, 'get secrets')}`,
      );
    }
    if (stored && stored !== this.rejectedCredential) {
      this.logger.info(`using the credential stored in ${this.store.description}`);
      this.credential = stored;
      return stored;
    }
    const token = await this.readRegistrationToken();
    if (!token) {
      throw new AgentError(
        stored
          ? `the server refused the credential stored in ${this.store.description} (revoked?) and no registration token is configured: issue a new registration token for this provider and set OUTPOST_REGISTRATION_TOKEN (helm upgrade the outpost-provider chart with it)`
          : `no credential is stored in ${this.store.description} and no registration token is configured: set OUTPOST_REGISTRATION_TOKEN (or OUTPOST_REGISTRATION_TOKEN_FILE) to the token printed by \`outpost providers create\``,
      );
    }
    if (token === this.rejectedCredential) {
      throw new AgentError(
        'the server refused the configured token: issue a new registration token for this provider and set OUTPOST_REGISTRATION_TOKEN',
      );
    }
    if (token.startsWith(CREDENTIAL_PREFIX)) {
      // An agent credential configured where the registration token goes: use it as is.
      await this.adoptCredential({ credential: token });
      return token;
    }
    const registration = await this.register(token);
    await this.adoptCredential(registration);
    return registration.credential;
  }

  private async readRegistrationToken(): Promise<string | undefined> {
    const source = this.options.registrationToken;
    try {
      const token = typeof source === 'function' ? await source() : source;
      return token?.trim() || undefined;
    } catch (error) {
      throw new AgentError(errorMessage(error));
    }
  }

  /** PROTOCOL.md step 2: exchange the one-time registration token for a credential. */
  private async register(token: string): Promise<AgentRegistration> {
    this.logger.info('registering with the server using the registration token');
    const connection = await ServerConnection.open({
      url: this.settings.graphqlUrl,
      token,
      logger: this.logger,
      signal: this.stopController.signal,
    });
    try {
      const { registerAgent } = await connection.request(REGISTER_AGENT);
      this.state.providerId = registerAgent.providerId;
      this.state.providerName = registerAgent.providerName;
      if (registerAgent.namespace && registerAgent.namespace !== this.settings.namespace) {
        this.logger.warn(
          `the server registered this provider for namespace ${registerAgent.namespace}, but the agent runs in ${this.settings.namespace}`,
        );
      }
      this.logger.info(`registered as provider ${registerAgent.providerName} (${registerAgent.providerId})`);
      return registerAgent;
    } catch (error) {
      if (
        error instanceof ServerOperationError &&
        (error.hasCode('UNAUTHENTICATED') || error.hasCode('FORBIDDEN'))
      ) {
        this.rejectedCredential = token;
        throw new AgentError(
          `the server refused the registration token (${error.errors.map((e) => e.message).join('; ')}): issue a new one for this provider and set OUTPOST_REGISTRATION_TOKEN`,
        );
      }
      throw error;
    } finally {
      await connection.close();
    }
  }

  /** Keeps a new credential in memory and in the store; a store failure is retried on the next session. */
  private async adoptCredential(registration: Pick<AgentRegistration, 'credential'>): Promise<void> {
    this.credential = registration.credential;
    this.credentialUnsaved = true;
    await this.saveCredential();
  }

  private async saveCredential(): Promise<void> {
    if (!this.credentialUnsaved || !this.credential) return;
    try {
      await this.store.save(this.credential);
      this.credentialUnsaved = false;
      this.logger.info(`stored the agent credential in ${this.store.description}`);
    } catch (error) {
      this.logger.error(
        `cannot store the agent credential in ${this.store.description}: ${this.describeKubernetes(error, 'update secrets')}. ` +
          'It is kept in memory and saving is retried; a restart before then needs a new registration token.',
      );
    }
  }

  /**
   * Connected: learn the lease, heartbeat, and — while holding the lease — report, subscribe and
   * reconcile, until the connection closes. Returns whether the session got going (the lease answered).
   */
  private async runSession(connection: ServerConnection): Promise<boolean> {
    this.connection = connection;
    this.state.connected = true;
    this.logger.info(`connected to the server at ${connection.url}`);
    let established = false;
    const lease = new LeaseGate(connection, this.logger, {
      onHolder: () => this.actForProvider(connection),
      onStandby: () => this.standBy(),
      onError: (error) => this.sessionError(connection, error),
      onEnded: () => {
        if (connection.isOpen && !this.stopped) {
          this.logger.warn('the server ended the agent lease subscription; reconnecting');
          void connection.close();
        }
      },
    });
    this.lease = lease;
    try {
      await this.refreshClusterChecks();
      await lease.start();
      established = true;
      this.state.lastError = null;
      await this.saveCredential();
      this.scheduleHeartbeat(connection);
      const outcome = await connection.closedOrAborted(this.stopController.signal);
      if (outcome && !outcome.byUs) this.logger.warn(`lost the connection to the server: ${outcome.reason}`);
    } catch (error) {
      this.sessionError(connection, error);
    } finally {
      clearTimeout(this.heartbeatTimer);
      await lease.close();
      await this.standBy();
      this.lease = null;
      this.connection = null;
      this.state.connected = false;
    }
    return established;
  }

  /** This connection holds the lease: report, then subscribe to workspace events and reconcile. */
  private async actForProvider(connection: ServerConnection): Promise<void> {
    await this.report(connection);
    this.unsubscribeWorkspaceEvents = this.subscribeToWorkspaceEvents(connection);
    this.reconciler.start();
  }

  /** Not (or no longer) holding the lease: stop reconciling; a pass in flight finishes first. */
  private async standBy(): Promise<void> {
    this.unsubscribeWorkspaceEvents?.();
    this.unsubscribeWorkspaceEvents = undefined;
    await this.reconciler.stop();
  }

  /** A call that acts for the provider: only while holding the lease; AGENT_STANDBY makes it stand by. */
  private async actingRequest<T>(call: (connection: ServerConnection) => Promise<T>): Promise<T> {
    const connection = this.requireConnection();
    if (!this.lease?.holdsLease)
      throw new AgentError('standing by: this agent does not hold the agent lease');
    try {
      return await call(connection);
    } catch (error) {
      this.lease.refusedAsStandby(error);
      throw error;
    }
  }

  /**
   * PROTOCOL.md step 5: every workspace event nudges the reconciler. A subscription the server ended
   * with an error is subscribed again with back-off (resilient-subscription.ts), and the reconciler is
   * nudged then, for the events missed in between; a refused credential or a completed subscription
   * ends the session.
   */
  private subscribeToWorkspaceEvents(connection: ServerConnection): () => void {
    return subscribeResiliently(connection, AGENT_WORKSPACE_EVENTS, {
      next: () => this.reconciler.nudge(),
      retrying: (error, delayMs) =>
        this.logger.warn(
          `the server ended the workspace event subscription (${error.codes.join(', ') || 'no code'}: ${errorMessage(error)}); subscribing again in ${(delayMs / 1000).toFixed(1)} s`,
        ),
      resubscribed: () => {
        this.logger.info('subscribed to workspace events again; reconciling what was missed');
        this.reconciler.nudge();
      },
      ended: (error) => this.sessionError(connection, error),
      completed: () => {
        // Standing by unsubscribes on purpose; only a holder's subscription ended by the server counts.
        if (connection.isOpen && !this.stopped && this.lease?.holdsLease) {
          this.logger.warn('the server ended the workspace event subscription; reconnecting');
          void connection.close();
        }
      },
    });
  }

  /** PROTOCOL.md step 3: versions, nodes and every check, including `server-version`. */
  private async report(connection: ServerConnection): Promise<void> {
    let info: ServerInfo | null = null;
    let infoError: unknown;
    try {
      info = (await connection.request(SERVER_INFO)).serverInfo;
      this.state.serverVersion = info.version;
    } catch (error) {
      if (error instanceof ConnectionClosedError) throw error;
      infoError = error;
    }
    const serverCheck = serverVersionCheck(info, infoError);
    this.logCheckChanges(this.state.checks, [serverCheck]);
    this.state.checks = [...this.clusterChecks, serverCheck];
    const { reportAgentStatus } = await connection.request(REPORT_AGENT_STATUS, {
      // Within the server's input limits whatever the cluster said (server/input-limits.ts).
      input: fitStatusReport({
        agentVersion: AGENT_VERSION,
        protocolVersion: AGENT_PROTOCOL_VERSION,
        kubernetesVersion: this.state.kubernetesVersion,
        nodeSummary: this.state.nodeSummary,
        checks: this.state.checks,
        chartVersion: this.settings.chartVersion,
      }),
    });
    this.state.lastReportAt = new Date();
    this.applyAck(reportAgentStatus);
  }

  private applyAck(ack: AgentAck): void {
    if (ack.status !== this.state.providerStatus) {
      const line = `the server reports the provider ${ack.status}`;
      if (ack.status === 'ERROR') this.logger.warn(line);
      else this.logger.info(line);
    }
    this.state.providerStatus = ack.status;
    this.state.serverVersion = ack.serverVersion;
    if (Number.isFinite(ack.heartbeatIntervalSeconds) && ack.heartbeatIntervalSeconds > 0) {
      if (ack.heartbeatIntervalSeconds !== this.state.heartbeatIntervalSeconds) {
        this.logger.info(`heartbeat every ${ack.heartbeatIntervalSeconds} s (the server's interval)`);
      }
      this.state.heartbeatIntervalSeconds = ack.heartbeatIntervalSeconds;
    }
    this.touchHealthFile();
  }

  /** The server acknowledged the agent: tell the probes (OUTPOST_HEALTH_FILE). */
  private touchHealthFile(): void {
    const file = this.settings.healthFile;
    if (!file) return;
    writeHealthFile(file).then(
      () => {
        this.healthFileFailing = false;
      },
      (error: unknown) => {
        if (!this.healthFileFailing) {
          this.logger.warn(`cannot write the health file ${file}: ${errorMessage(error)}`);
        }
        this.healthFileFailing = true;
      },
    );
  }

  /** PROTOCOL.md step 4. */
  private scheduleHeartbeat(connection: ServerConnection): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(
      () => void this.heartbeat(connection),
      this.state.heartbeatIntervalSeconds * 1000,
    );
  }

  /** One heartbeat, then the next is scheduled while the session lasts. Never rejects. */
  private async heartbeat(connection: ServerConnection): Promise<void> {
    if (this.connection !== connection || !connection.isOpen) return;
    try {
      const { agentHeartbeat } = await connection.requestWithin(
        heartbeatTimeoutMs(this.state.heartbeatIntervalSeconds),
        AGENT_HEARTBEAT,
      );
      this.state.lastHeartbeatAt = new Date();
      this.applyAck(agentHeartbeat);
      if (this.connection === connection) this.lease?.observe(agentHeartbeat.lease);
    } catch (error) {
      this.sessionError(connection, error);
    }
    if (this.connection === connection && connection.isOpen && !this.stopped)
      this.scheduleHeartbeat(connection);
  }

  /**
   * A failed request during a session. The server refusing the credential ends the session and
   * marks the credential so the next attempt registers again; a dropped connection ends by itself.
   */
  private sessionError(connection: ServerConnection, error: unknown): void {
    if (this.stopped) return;
    if (this.lease?.refusedAsStandby(error)) return;
    if (error instanceof ServerOperationError && error.hasCode('UNAUTHENTICATED')) {
      this.rejectedCredential = this.credential;
      this.credential = null;
      this.recordError(
        new AgentError(
          `the server refused the agent's credential (${error.errors.map((e) => e.message).join('; ')}); will register again if a registration token is configured`,
        ),
      );
      void connection.close();
      return;
    }
    this.recordError(error);
    if (!(error instanceof ServerOperationError)) void connection.close();
  }

  private recordError(error: unknown): void {
    const message = errorMessage(error);
    if (message !== this.state.lastError) this.logger.error(message);
    else this.logger.debug(message);
    this.state.lastError = message;
  }

  private requireConnection(): ServerConnection {
    const connection = this.connection;
    if (!connection?.isOpen) throw new ConnectionClosedError('not connected to the Outpost server');
    return connection;
  }

  private describeKubernetes(error: unknown, action: string): string {
    return describeFailedRequest(error, action, {
      namespace: this.settings.namespace,
      apiServerUrl: this.clients.apiServerUrl,
    }).message;
  }
}
