/** A GraphQL error as the Outpost server reports it (`extensions.code` is the stable part). */
export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

/** The server refused the request (exit code 1). */
export class RefusedError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The user called the CLI wrongly (exit code 2). */
export class UsageError extends Error {}

export function graphqlUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/graphql') ? trimmed : `${trimmed}/graphql`;
}

export function websocketUrl(url: string): string {
  return graphqlUrl(url).replace(/^http/, 'ws');
}

export interface RequestResult<T> {
  data: T;
  headers: Headers;
}

export class OutpostClient {
  constructor(
    readonly url: string,
    private readonly auth: { token?: string; cookie?: string } = {},
  ) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<RequestResult<T>> {
    let response: Response;
    try {
      response = await fetch(graphqlUrl(this.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(this.auth.token ? { authorization: `Bearer ${this.auth.token}` } : {}),
          ...(this.auth.cookie ? { cookie: this.auth.cookie } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new RefusedError(
        `cannot reach ${graphqlUrl(this.url)}: ${(error as Error).cause ?? (error as Error).message}`,
        'NETWORK_ERROR',
      );
    }
    let body: { data?: T | null; errors?: GraphQLErrorBody[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new RefusedError(
        `the server answered ${response.status} without a GraphQL response`,
        'BAD_RESPONSE',
      );
    }
    const first = body.errors?.[0];
    if (first) {
      const { code, ...rest } = first.extensions ?? {};
      throw new RefusedError(first.message, typeof code === 'string' ? code : 'ERROR', rest);
    }
    if (!body.data)
      throw new RefusedError(`the server answered ${response.status} without data`, 'BAD_RESPONSE');
    return { data: body.data, headers: response.headers };
  }

  async data<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    return (await this.request<T>(query, variables)).data;
  }
}
