import { Link } from '../../app/router';
import { routes } from '../../app/routes';
import { usePageTitle } from '../../app/usePageTitle';
import { isSiteStaff, useViewer } from '../../app/viewer';

export function HomePage() {
  usePageTitle('Home');
  const viewer = useViewer();
  return (
    <>
      <h1>Welcome, {viewer.name}</h1>
      {isSiteStaff(viewer) ? (
        <p>
          See the status of every cluster workspaces deploy into under{' '}
          <Link to={routes.workspaceProviders}>Manage › Admin › Workspace Providers</Link>.
        </p>
      ) : (
        <p>
          Your workspaces are under <Link to={routes.workspaces}>Workspaces</Link>.
        </p>
      )}
    </>
  );
}
