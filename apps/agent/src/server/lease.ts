import type { AgentLogger } from '../logger.js';
import { ServerOperationError, type ServerConnection } from './connection.js';
import { AGENT_LEASE, type AgentLeaseRole } from './operations.js';

/**
 * The agent's side of the agent lease (PROTOCOL.md "Lease"): of all agents of one provider, only the
 * connection holding the lease acts — reports the provider's status, reconciles, reports workspaces.
 * The others stand by: they keep their connection and heartbeat, and touch nothing.
 *
 * One gate per connection. The role comes from the `agentLease` subscription (at once when the holder's
 * connection closes), from every heartbeat's answer (`AgentAck.lease`, which also catches a lease lost
 * while this agent was cut off), and from any call refused with AGENT_STANDBY. Changes run `onHolder` /
 * `onStandby` one at a time, in order.
 */
export class LeaseGate {
  private current: AgentLeaseRole | null = null;
  private transitions: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly connection: ServerConnection,
    private readonly logger: AgentLogger,
    private readonly handlers: {
      onHolder(): Promise<void>;
      onStandby(): Promise<void>;
      /** The subscription failed or a transition threw. */
      onError(error: unknown): void;
      /** The server ended the subscription. */
      onEnded(): void;
    },
  ) {}

  /** True only while this connection holds the lease. */
  get holdsLease(): boolean {
    return this.current === 'HOLDER';
  }

  /** Subscribes; resolves with the first role, once its transition ran. */
  start(): Promise<AgentLeaseRole> {
    return new Promise<AgentLeaseRole>((resolve, reject) => {
      let first = true;
      this.unsubscribe = this.connection.subscribe(AGENT_LEASE, {
        next: ({ agentLease }) => {
          this.observe(agentLease.role);
          if (first) {
            first = false;
            void this.transitions.then(() => resolve(agentLease.role));
          }
        },
        error: (error) => {
          if (first) {
            first = false;
            reject(error);
          } else this.handlers.onError(error);
        },
        complete: () => {
          if (first) {
            first = false;
            reject(
              new Error('the server ended the agentLease subscription before saying who holds the lease'),
            );
          } else if (!this.closed) this.handlers.onEnded();
        },
      });
    });
  }

  /** What the server says this connection's role is now. */
  observe(role: AgentLeaseRole | null | undefined): void {
    if (this.closed || !role || role === this.current) return;
    const previous = this.current;
    this.current = role;
    if (role === 'HOLDER') {
      this.logger.info(
        previous
          ? 'took over the agent lease: acting for the provider now'
          : 'holding the agent lease: acting for the provider',
      );
    } else {
      this.logger.info(
        previous
          ? 'lost the agent lease to another agent of this provider: standing by'
          : 'standing by: another agent of this provider holds the agent lease; not reconciling',
      );
    }
    this.transitions = this.transitions
      .then(() => (role === 'HOLDER' ? this.handlers.onHolder() : this.handlers.onStandby()))
      .catch((error: unknown) => this.handlers.onError(error));
  }

  /** A call refused because this connection stands by: stand by. Returns whether that was the reason. */
  refusedAsStandby(error: unknown): boolean {
    if (!(error instanceof ServerOperationError) || !error.hasCode('AGENT_STANDBY')) return false;
    this.observe('STANDBY');
    return true;
  }

  /** The session ends: no more transitions; waits for one in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    await this.transitions;
  }
}
