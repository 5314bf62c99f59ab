import https from 'node:https';

/** How a client proves itself to a cluster: the admin's client certificate or a bearer token. */
export interface KubeCredentials {
  caCertPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** A non-2xx answer from the API server; `body` is its Status object when it sent one. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    method: string,
    path: string,
  ) {
    const message = (body as { message?: string } | undefined)?.message ?? JSON.stringify(body);
    super(`${method} ${path}: ${status} ${message}`);
    this.name = 'KubeApiError';
  }
}

/**
 * One JSON request to the API server. node:https rather than fetch: Node 20's fetch cannot be given
 * a CA or client certificate without an extra dependency. No keep-alive, so a stopped server
 * leaves no pooled socket behind.
 */
export function kubeRequest<T = unknown>(
  server: string,
  credentials: KubeCredentials,
  method: string,
  path: string,
  body?: unknown,
  options: { timeoutMs?: number; contentType?: string } = {},
): Promise<KubeResponse<T>> {
  const url = new URL(path, server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      {
        method,
        ca: credentials.caCertPem,
        cert: credentials.clientCertPem,
        key: credentials.clientKeyPem,
        agent: false,
        timeout: options.timeoutMs ?? 15_000,
        headers: {
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : {
                'content-type': options.contentType ?? 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
          ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Health endpoints answer plain text ("ok"); keep it as it is.
          }
          resolve({ status: response.statusCode ?? 0, body: parsed as T });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${url.href}: timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** kubeRequest that throws KubeApiError unless the status is 2xx. */
export async function kubeRequestOk<T = unknown>(
  server: string,
  credentials: KubeCredentials,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await kubeRequest<T>(server, credentials, method, path, body);
  if (response.status < 200 || response.status > 299)
    throw new KubeApiError(response.status, response.body, method, path);
  return response.body;
}
