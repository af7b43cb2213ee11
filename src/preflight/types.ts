/** `pass` ✓, `fail` ✗, `skip`: not checked, with the reason in the message. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of the preflight report. */
export interface CheckResult {
  /** What the line is about: `git`, `github`, `manifests`, or a provider. */
  subject: string;
  /** The id of the check that produced it (`token`, `scopes`, `size` …), stable for machines. */
  check: string;
  status: CheckStatus;
  /** One sentence for a person; never a secret. */
  message: string;
  /** The manifest places the checked value comes from (`clusters/api.yaml:7`). */
  where?: string[];
}

/**
 * One independent, read-only check. Contract: it makes only reads (GET requests, Describe*
 * calls, EC2 DryRun probes, `git ls-remote` / `git push --dry-run`), never a create, delete or
 * tag; it reports what it found as results (any number, usually one per checked value); if it
 * throws, the runner reports one `fail` line with the (redacted) message, so a check need not
 * catch what it cannot explain better.
 */
export interface PreflightCheck<C> {
  id: string;
  run(ctx: C): Promise<CheckResult[]>;
}

/**
 * The checks of one subject over one context (a provider's API client, what the manifests use).
 * The `gate` (credentials work, the remote answers) runs first; when it fails, every other check
 * is reported as skipped with that reason instead of failing the same way again.
 */
export interface CheckSuite<C> {
  subject: string;
  context: C;
  gate?: PreflightCheck<C>;
  checks: readonly PreflightCheck<C>[];
}

/** Makes the result lines of one check: each carries the check's subject and id. */
export type Reporter = ReturnType<typeof reporter>;

/** A check of `subject` with this id, whose body gets the context and the check's reporter. */
export function check<C>(subject: string, id: string, run: (ctx: C, r: Reporter) => Promise<CheckResult[]>): PreflightCheck<C> {
  const r = reporter(subject, id);
  return { id, run: (ctx) => run(ctx, r) };
}

/** Builds the results of one check, so every line of it carries the same subject and id. */
export function reporter(subject: string, check: string) {
  const line = (status: CheckStatus) => (message: string, where?: readonly string[]): CheckResult => ({
    subject,
    check,
    status,
    message,
    ...(where && where.length > 0 ? { where: [...where] } : {}),
  });
  return { pass: line('pass'), fail: line('fail'), skip: line('skip') };
}
