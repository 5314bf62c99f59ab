import { MockedProvider } from '@apollo/client/testing/react';
import type { MockLink } from '@apollo/client/testing';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createCache } from '../api/client';
import { createLiveConnection, LiveConnectionContext, type LiveConnection } from '../api/liveConnection';

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
