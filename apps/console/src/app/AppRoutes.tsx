import { HomePage } from '../pages/HomePage/HomePage';
import { NotFoundPage } from '../pages/NotFoundPage/NotFoundPage';
import { OrganizationsPage } from '../pages/OrganizationsPage/OrganizationsPage';
import { WorkspaceProvidersPage } from '../pages/WorkspaceProvidersPage/WorkspaceProvidersPage';
import { WorkspacesPage } from '../pages/WorkspacesPage/WorkspacesPage';
import { Redirect, usePathname } from './router';
import { routes } from './routes';
import { isSiteStaff, useViewer } from './viewer';

export function AppRoutes() {
  const pathname = usePathname().replace(/\/+$/, '') || '/';
  const viewer = useViewer();
  switch (pathname) {
    case routes.home:
      // Members land on their workspaces; site staff on the overview.
      return isSiteStaff(viewer) ? <HomePage /> : <Redirect to={routes.workspaces} />;
    case routes.workspaces:
      return <WorkspacesPage />;
    case routes.workspaceProviders:
      return isSiteStaff(viewer) ? <WorkspaceProvidersPage /> : <NotFoundPage />;
    case routes.organizations:
      return isSiteStaff(viewer) ? <OrganizationsPage /> : <NotFoundPage />;
    default:
      return <NotFoundPage />;
  }
}
