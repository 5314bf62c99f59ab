/** Every path of the console, so links and the router cannot disagree. */
export const routes = {
  home: '/',
  workspaceProviders: '/manage/admin/workspace-providers',
} as const;
