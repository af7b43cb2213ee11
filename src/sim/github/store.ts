import type { Clock } from '../common/clock.js';

/** A pull request as the emulator keeps it; rendered to GitHub's shape by render.ts. */
export interface PullRecord {
  repo: string;
  number: number;
  id: number;
  title: string;
  author: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  state: 'open' | 'closed';
  createdAt: number;
  updatedAt: number;
  closedAt?: number;
  mergedAt?: number;
  mergeCommitSha?: string;
  /** The base sha before the merge, so `files` still lists the PR's changes afterwards. */
  baseShaAtMerge?: string;
}

export interface CommentRecord {
  repo: string;
  issue: number;
  id: number;
  body: string;
  author: string;
  createdAt: number;
  updatedAt: number;
}

export interface StatusRecord {
  repo: string;
  sha: string;
  id: number;
  state: StatusState;
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: number;
}

export type StatusState = 'pending' | 'success' | 'failure' | 'error';

/**
 * The emulator's GitHub world: pull requests, issue comments and commit statuses per repo.
 * Ids are global like GitHub's; PR numbers are per repo and share the issue number space.
 */
export class GitHubStore {
  private readonly pulls: PullRecord[] = [];
  private readonly comments: CommentRecord[] = [];
  private readonly statuses: StatusRecord[] = [];
  private nextId = 1000;

  constructor(private readonly clock: Clock) {}

  addPull(input: Pick<PullRecord, 'repo' | 'title' | 'author' | 'head' | 'base'>): PullRecord {
    const now = this.clock.now();
    const number = this.pulls.filter((p) => p.repo === input.repo).length + 1;
    const pull: PullRecord = { ...input, number, id: this.nextId++, state: 'open', createdAt: now, updatedAt: now };
    this.pulls.push(pull);
    return pull;
  }

  pull(repo: string, number: number): PullRecord | undefined {
    return this.pulls.find((p) => p.repo === repo && p.number === number);
  }

  pullsOf(repo: string): PullRecord[] {
    return this.pulls.filter((p) => p.repo === repo);
  }

  touch(pull: PullRecord): void {
    pull.updatedAt = this.clock.now();
  }

  addComment(repo: string, issue: number, body: string, author: string): CommentRecord {
    const now = this.clock.now();
    const comment: CommentRecord = { repo, issue, id: this.nextId++, body, author, createdAt: now, updatedAt: now };
    this.comments.push(comment);
    return comment;
  }

  comment(repo: string, id: number): CommentRecord | undefined {
    return this.comments.find((c) => c.repo === repo && c.id === id);
  }

  commentsOf(repo: string, issue: number): CommentRecord[] {
    return this.comments.filter((c) => c.repo === repo && c.issue === issue);
  }

  editComment(comment: CommentRecord, body: string): void {
    comment.body = body;
    comment.updatedAt = this.clock.now();
  }

  addStatus(input: Omit<StatusRecord, 'id' | 'createdAt'>): StatusRecord {
    const status: StatusRecord = { ...input, id: this.nextId++, createdAt: this.clock.now() };
    this.statuses.push(status);
    return status;
  }

  /** Statuses of a commit, newest first (as `GET /commits/{ref}/statuses` lists them). */
  statusesOf(repo: string, sha: string): StatusRecord[] {
    return this.statuses.filter((s) => s.repo === repo && s.sha === sha).reverse();
  }

  snapshot(): unknown {
    return { pulls: this.pulls, comments: this.comments, statuses: this.statuses };
  }
}
