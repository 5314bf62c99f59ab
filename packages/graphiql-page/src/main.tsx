// GraphiQL for Outpost's /graphql, served by the server itself: every script, style, font and Monaco
// worker comes from this build (no CDN), so it works on machines and networks without internet.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createFetcher } from './fetcher';

const DEFAULT_QUERY = `# Outpost GraphQL API. You are signed in with your session cookie once you have logged in,
# for example from the console, or with:
#   mutation { login(email: "you@example.com", password: "…") { user { id } } }
# Run an operation with Ctrl-Enter; subscriptions stream over WebSocket on the same /graphql.

query Me {
  me {
    email
    name
  }
}
`;

// GraphiQL keeps tabs and history in localStorage; prefix its keys so it never mixes with the console's.
const NAMESPACE = 'outpost-graphiql';
const storage: Storage = {
  get length() {
    return localStorage.length;
  },
  clear: () => localStorage.clear(),
  key: (index) => localStorage.key(index),
  getItem: (key) => localStorage.getItem(`${NAMESPACE}:${key}`),
  setItem: (key, value) => localStorage.setItem(`${NAMESPACE}:${key}`, value),
  removeItem: (key) => localStorage.removeItem(`${NAMESPACE}:${key}`),
};

const fetcher = createFetcher(createGraphiQLFetcher, window.location);

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} storage={storage} />
  </StrictMode>,
);
