import { createContext, useContext } from 'react';
import type { SessionQuery } from '../generated/graphql';

export type Viewer = NonNullable<SessionQuery['me']>;

export const ViewerContext = createContext<Viewer | null>(null);

/** The signed-in user; only below the auth gate. */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer)
    throw new Error('useViewer is only available to pages behind the sign-in (src/app/AuthGate.tsx).');
  return viewer;
}

/** Site admins and managers manage providers and organizations (SITE_STAFF in apps/server/src/authorization/decisions.ts). */
export function isSiteStaff(viewer: Viewer): boolean {
  return viewer.siteRole === 'ADMIN' || viewer.siteRole === 'MANAGER';
}
