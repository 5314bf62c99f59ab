import { MockedProvider } from '@apollo/client/testing/react';
import type { MockLink } from '@apollo/client/testing';
import { configure, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createCache } from '../api/client';
import { createLiveConnection, LiveConnectionContext, type LiveConnection } from '../api/liveConnection';

// findBy… and waitFor give up after 1 s by default; on a loaded 2-core CI machine a mocked round trip
// and its re-render can take longer. A real regression still fails, only later.
configure({ asyncUtilTimeout: 5_000 });

interface Options {
  mocks?: MockLink.MockedResponse[];
  live?: LiveConnection;
}

/** Renders with a mocked API (Apollo's MockedProvider, the app's cache setup) and a live-connection store. */
export function renderWithApi(ui: ReactElement, { mocks = [], live = createLiveConnection() }: Options = {}) {
  return {
    live,
    ...render(
      <MockedProvider mocks={mocks} cache={createCache()}>
        <LiveConnectionContext.Provider value={live}>{ui}</LiveConnectionContext.Provider>
      </MockedProvider>,
    ),
  };
}
