import { ApiException } from '@kubernetes/client-node';

/**
 * Turns what @kubernetes/client-node throws into something an admin can act on. An unreachable server
 * throws node-fetch's FetchError (`code` ECONNREFUSED, ENOTFOUND, …) or an AbortError on timeout; an
 * HTTP error throws ApiException with the status in `code` and the Status object (often as JSON text)
 * in `body`.
 */
export interface KubernetesFailure {
  kind:
    | 'unreachable'
    | 'unauthorized'
    | 'forbidden'
    | 'not-found'
    | 'conflict'
    | 'invalid'
    | 'server-error'
    | 'other';
  /** HTTP status, when the API answered. */
  status: number | null;
  /** The API's own explanation, or the network error. */
  reason: string;
  /** Worth retrying as is: the API was unreachable, overloaded or failing. */
  transient: boolean;
}

export function describeKubernetesError(error: unknown): KubernetesFailure {
  if (error instanceof ApiException) {
    const status = Number(error.code);
    const reason = statusMessage(error.body) ?? `HTTP ${status}`;
    if (status === 401) return { kind: 'unauthorized', status, reason, transient: false };
    if (status === 403) return { kind: 'forbidden', status, reason, transient: false };
    if (status === 404) return { kind: 'not-found', status, reason, transient: false };
    if (status === 409) return { kind: 'conflict', status, reason, transient: true };
    if (status === 422 || status === 400) return { kind: 'invalid', status, reason, transient: false };
    if (status === 429 || status >= 500) return { kind: 'server-error', status, reason, transient: true };
    return { kind: 'other', status, reason, transient: false };
  }
  const err = error as { name?: string; code?: string; type?: string; message?: string } | undefined;
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError' || err?.type === 'aborted') {
    return {
      kind: 'unreachable',
      status: null,
      reason: 'no answer before the request timed out',
      transient: true,
    };
  }
  if (err?.name === 'FetchError' || err?.type === 'system' || typeof err?.code === 'string') {
    return { kind: 'unreachable', status: null, reason: networkReason(err), transient: true };
  }
  return { kind: 'other', status: null, reason: err?.message ?? String(error), transient: false };
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && Number(error.code) === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof ApiException && Number(error.code) === 409;
}

/** "cannot reach the Kubernetes API at https://…: connect ECONNREFUSED 127.0.0.1:6443" */
export function unreachableMessage(apiServerUrl: string, failure: KubernetesFailure): string {
  return `cannot reach the Kubernetes API at ${apiServerUrl}: ${failure.reason}`;
}

/**
 * One sentence for a failed Kubernetes request: `action` is what the agent tried ("create pods"), and
 * the advice depends on why it failed.
 */
export function describeFailedRequest(
  error: unknown,
  action: string,
  context: { namespace: string; apiServerUrl: string },
): { message: string; failure: KubernetesFailure } {
  const failure = describeKubernetesError(error);
  const where = `in namespace ${context.namespace}`;
  let message: string;
  switch (failure.kind) {
    case 'unreachable':
      message = unreachableMessage(context.apiServerUrl, failure);
      break;
    case 'unauthorized':
      message = `the Kubernetes API at ${context.apiServerUrl} rejected the agent's credentials (401) while trying to ${action}: check its service account token or kubeconfig user`;
      break;
    case 'forbidden':
      message = `cannot ${action} ${where}: grant the outpost-provider Role (${failure.reason})`;
      break;
    case 'server-error':
      message = `the Kubernetes API failed to ${action} ${where} (HTTP ${failure.status}): ${failure.reason}; retrying`;
      break;
    default:
      message = `cannot ${action} ${where}: ${failure.reason}`;
  }
  return { message, failure };
}

function statusMessage(body: unknown): string | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message;
  }
  return undefined;
}

function networkReason(err: { code?: string; message?: string }): string {
  // node-fetch: "request to https://127.0.0.1:6443/version failed, reason: connect ECONNREFUSED 127.0.0.1:6443"
  const message = err.message ?? '';
  const reason = /reason: (.*)$/s.exec(message)?.[1]?.trim();
  return reason || message || err.code || 'network error';
}
