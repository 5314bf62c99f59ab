import { HomePage } from '../pages/HomePage/HomePage';
import { NotFoundPage } from '../pages/NotFoundPage/NotFoundPage';
import { WorkspaceProvidersPage } from '../pages/WorkspaceProvidersPage/WorkspaceProvidersPage';
import { usePathname } from './router';
import { routes } from './routes';
import { isSiteStaff, useViewer } from './viewer';

export function AppRoutes() {
  const pathname = usePathname().replace(/\/+$/, '') || '/';
  const viewer = useViewer();
  switch (pathname) {
    case routes.home:
      return <HomePage />;
    case routes.workspaceProviders:
      return isSiteStaff(viewer) ? <WorkspaceProvidersPage /> : <NotFoundPage />;
    default:
      return <NotFoundPage />;
  }
}
