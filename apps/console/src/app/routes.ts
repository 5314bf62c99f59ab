/** Every path of the console, so links and the router cannot disagree. */
export const routes = {
  home: '/',
  workspaces: '/workspaces',
  workspaceProviders: '/manage/admin/workspace-providers',
  organizations: '/manage/admin/organizations',
} as const;
