import { Link } from '../../app/router';
import { routes } from '../../app/routes';
import { usePageTitle } from '../../app/usePageTitle';

/** Unknown paths, and pages the viewer's role does not include (they are not linked for them either). */
export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        This page does not exist or needs another role. <Link to={routes.home}>Go to the home page</Link>.
      </p>
    </>
  );
}
