export type { DashboardDeps } from './deps.js';
export { dashboardRoutes, githubPullLink } from './routes.js';
export { CONTENT_SECURITY_POLICY } from './static.js';
export { manifestLink } from './manifests.js';
export type * from './types.js';
