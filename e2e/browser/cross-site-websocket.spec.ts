import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, graphql, outpostUrl, signIn, test } from './support/outpost.js';

/**
 * Cross-site WebSocket hijacking, in a real browser: a page served from another port of 127.0.0.1 (the
 * same site as the server, so SameSite=Lax sends the admin's cookie along; cookies are not per port)
 * opens a graphql-ws socket to the server and asks for an API token. The server must not take the
 * cookie from that page, while the same code on the server's own origin works.
 */

/** What the page sees of one graphql-ws exchange: every message, and the close code if it closed first. */
interface Exchange {
  messages: Array<{ type: string; payload?: any }>;
  closeCode?: number;
}

/**
 * Runs in the page: the graphql-transport-ws protocol by hand (connection_init, then one subscribe
 * message with the mutation), as any page could. Serialized by Playwright, so self-contained.
 */
function requestTokenOverWebSocket({ url, name }: { url: string; name: string }): Promise<Exchange> {
  return new Promise((resolve) => {
    const messages: Exchange['messages'] = [];
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      messages.push(message);
      if (message.type === 'connection_ack') {
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: `mutation { createApiToken(name: "${name}", expiresInDays: 1) { token } }` },
          }),
        );
      }
      if (message.type === 'complete' || message.type === 'error') {
        socket.close();
        resolve({ messages });
      }
    };
    socket.onclose = (event) => resolve({ messages, closeCode: event.code });
  });
}

const tokenNames = async (request: Parameters<typeof graphql>[0]) =>
  (
    await graphql<{ apiTokens: Array<{ name: string }> }>(
      request,
      `
        {
          apiTokens {
            name
          }
        }
      `,
    )
  ).apiTokens.map((token) => token.name);

test.describe('a page on another origin', () => {
  let elsewhere: http.Server;
  let elsewhereUrl: string;
  /** The Cookie header of each request the browser made to the other page's server. */
  const cookiesSentElsewhere: Array<string | undefined> = [];

  test.beforeAll(async () => {
    elsewhere = http.createServer((request, response) => {
      cookiesSentElsewhere.push(request.headers.cookie);
      response.setHeader('content-type', 'text/html');
      response.end('<!doctype html><html lang="en"><title>Elsewhere</title><h1>Another site</h1></html>');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
  });

  test.afterAll(async () => {
    await new Promise((resolve) => elsewhere.close(resolve));
  });

  test('cannot use the admin’s session cookie over a WebSocket to the server', async ({ page }) => {
    await signIn(page.request);
    const socketUrl = `${outpostUrl().replace(/^http/, 'ws')}/graphql`;

    await page.goto(elsewhereUrl);
    await expect(page.locator('h1')).toHaveText('Another site');
    // The browser does hold the admin's cookie for this host and sends it to any of its ports: the attack
    // is real, not stopped by the browser.
    expect(cookiesSentElsewhere.at(-1)).toMatch(/outpost_session=opss_/);
    const attack = await page.evaluate(requestTokenOverWebSocket, { url: socketUrl, name: 'stolen' });
    const answer = attack.messages.find((message) => message.type === 'next');
    expect(answer?.payload?.data ?? null, JSON.stringify(attack)).toBeNull();
    expect(answer?.payload?.errors?.[0]?.extensions?.code, JSON.stringify(attack)).toBe('UNAUTHENTICATED');

    // The very same code on the server's own origin (the console's page) is the signed-in admin.
    await page.goto('/');
    const own = await page.evaluate(requestTokenOverWebSocket, { url: socketUrl, name: 'same-origin' });
    const created = own.messages.find((message) => message.type === 'next');
    expect(created?.payload?.errors, JSON.stringify(own)).toBeUndefined();
    expect(created?.payload?.data?.createApiToken?.token).toMatch(/^opat_/);

    const names = await tokenNames(page.request);
    expect(names).toContain('same-origin');
    expect(names).not.toContain('stolen');
  });
});
