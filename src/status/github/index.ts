export { createGitHubClient } from './client.js';
export type { ApiCallCounts, CommitState, CommitStatus, GitHubClient, GitHubClientOptions, IssueComment, PullFile, PullRequest } from './client.js';
export { createPullRequestHandler, formatDuration } from './pr-handler.js';
export type { CommentOutcome, MergeResult, PullRequestHandler, PullRequestHandlerDeps, PullRequestOutcome, PullRequestPlanView } from './pr-handler.js';
export { buildPullRequestReport, touchesClusters, PLAN_CONTEXT, PLAN_MARKER, RESULT_MARKER, VALIDATE_CONTEXT } from './pr-report.js';
export type { PlannedCluster, PullRequestReport, PullRequestReportInput } from './pr-report.js';
