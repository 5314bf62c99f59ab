import { Link } from './router';
import { routes } from './routes';
import { isSiteStaff, useViewer } from './viewer';

/** Workspaces for everyone; Manage › Admin (Workspace Providers, Organizations) for site staff only (not MEMBER). */
export function Navigation() {
  const viewer = useViewer();
  return (
    <nav aria-label="Main" className="navigation">
      <ul>
        {isSiteStaff(viewer) && (
          <li>
            <Link to={routes.home}>Home</Link>
          </li>
        )}
        <li>
          <Link to={routes.workspaces}>Workspaces</Link>
        </li>
        {isSiteStaff(viewer) && (
          <li>
            <span className="navigation__group" id="nav-manage">
              Manage
            </span>
            <ul aria-labelledby="nav-manage">
              <li>
                <span className="navigation__group" id="nav-admin">
                  Admin
                </span>
                <ul aria-labelledby="nav-admin">
                  <li>
                    <Link to={routes.workspaceProviders}>Workspace Providers</Link>
                  </li>
                  <li>
                    <Link to={routes.organizations}>Organizations</Link>
                  </li>
                </ul>
              </li>
            </ul>
          </li>
        )}
      </ul>
    </nav>
  );
}
