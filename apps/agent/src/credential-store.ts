import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './kubernetes/errors.js';

/**
 * Where the agent keeps the credential it got from `registerAgent`, so a restarted agent reconnects
 * without a new registration token (PROTOCOL.md "Flow" step 2).
 */
export interface CredentialStore {
  /** The stored credential; null when none is stored. Throws when the store cannot be read. */
  load(): Promise<string | null>;
  save(credential: string): Promise<void>;
  /** Where it is kept, for messages ("Secret ws-eu/outpost-agent-credential"). */
  readonly description: string;
}

export const CREDENTIAL_SECRET_NAME = 'outpost-agent-credential';
export const CREDENTIAL_SECRET_KEY = 'credential';

/**
 * The Secret `outpost-agent-credential` (key `credential`) in the agent's namespace. Needs exactly
 * AGENT_PERMISSIONS.credential: get, create, update on secrets.
 */
export class KubernetesSecretCredentialStore implements CredentialStore {
  readonly description: string;

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly secretName: string = CREDENTIAL_SECRET_NAME,
  ) {
    this.description = `Secret ${namespace}/${secretName}`;
  }

  async load(): Promise<string | null> {
    const secret = await this.read();
    const encoded = secret?.data?.[CREDENTIAL_SECRET_KEY];
    if (encoded) return Buffer.from(encoded, 'base64').toString('utf8').trim() || null;
    return secret?.stringData?.[CREDENTIAL_SECRET_KEY]?.trim() || null;
  }

  async save(credential: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.read();
      const body: V1Secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          ...(existing?.metadata ?? {}),
          name: this.secretName,
          namespace: this.namespace,
          labels: {
            ...existing?.metadata?.labels,
            'app.kubernetes.io/name': 'outpost-agent',
            'app.kubernetes.io/component': 'credential',
          },
        },
        data: {
          ...existing?.data,
          [CREDENTIAL_SECRET_KEY]: Buffer.from(credential, 'utf8').toString('base64'),
        },
      };
      try {
        // get → update (or create) is exactly what AGENT_PERMISSIONS.credential grants.
        if (existing)
          await this.core.replaceNamespacedSecret({ name: this.secretName, namespace: this.namespace, body });
        else await this.core.createNamespacedSecret({ namespace: this.namespace, body });
        return;
      } catch (error) {
        // Someone else wrote it between our read and write (409): read again and retry.
        if (isConflict(error) && attempt < 3) continue;
        throw error;
      }
    }
  }

  private async read(): Promise<V1Secret | null> {
    try {
      return await this.core.readNamespacedSecret({ name: this.secretName, namespace: this.namespace });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

/** Keeps the credential in memory only: for an in-process agent whose host persists it elsewhere, and tests. */
export class MemoryCredentialStore implements CredentialStore {
  readonly description = 'memory';
  constructor(private credential: string | null = null) {}
  async load() {
    return this.credential;
  }
  async save(credential: string) {
    this.credential = credential;
  }
}
