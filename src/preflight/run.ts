import type { CheckResult, CheckSuite, PreflightCheck } from './types.js';

/** Takes secrets out of a text (the same redactor the Git source uses). */
export type Redact = (text: string) => string;

/**
 * Runs one suite: the gate first, then the other checks concurrently, each in its own failure
 * scope (a check that throws is one `fail` line). Results keep the suite's check order; every
 * message goes through `redact`.
 */
export async function runSuite<C>(suite: CheckSuite<C>, redact: Redact): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (suite.gate) {
    const gate = await runCheck(suite.subject, suite.gate, suite.context);
    out.push(...gate);
    const failed = gate.find((r) => r.check === suite.gate!.id && r.status === 'fail');
    if (failed && suite.checks.length > 0) {
      const ids = suite.checks.map((c) => c.id).join(', ');
      out.push({ subject: suite.subject, check: 'skipped', status: 'skip', message: `not checked (${ids}): ${suite.gate.id} failed` });
      return out.map((r) => redacted(r, redact));
    }
  }
  const rest = await Promise.all(suite.checks.map((c) => runCheck(suite.subject, c, suite.context)));
  return [...out, ...rest.flat()].map((r) => redacted(r, redact));
}

async function runCheck<C>(subject: string, check: PreflightCheck<C>, ctx: C): Promise<CheckResult[]> {
  try {
    return await check.run(ctx);
  } catch (err) {
    return [{ subject, check: check.id, status: 'fail', message: `${check.id}: ${err instanceof Error ? err.message : String(err)}` }];
  }
}

function redacted(r: CheckResult, redact: Redact): CheckResult {
  return { ...r, message: redact(r.message), ...(r.where ? { where: r.where.map(redact) } : {}) };
}

/** Counts of a report, and whether it passed (nothing failed). */
export function summarise(results: readonly CheckResult[]): { ok: boolean; passed: number; failed: number; skipped: number } {
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  const failed = count('fail');
  return { ok: failed === 0, passed: count('pass'), failed, skipped: count('skip') };
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skip: '-' };

/** One line per result: `✓ digitalocean: size s-2vcpu-2gb is offered in sfo3 (clusters/web.yaml:12)`. */
export function renderText(results: readonly CheckResult[]): string {
  const lines = results.map((r) => `${MARK[r.status]} ${r.subject}: ${r.message}${where(r.where)}`);
  const s = summarise(results);
  lines.push(`preflight: ${s.passed} passed, ${s.failed} failed, ${s.skipped} not checked`);
  return lines.join('\n');
}

function where(places: readonly string[] | undefined): string {
  if (!places || places.length === 0) return '';
  const more = places.length - 2;
  return ` (${places.slice(0, 2).join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
}

/** The machine-readable report: `{ok, summary, checks}`. */
export function renderJson(results: readonly CheckResult[]): string {
  const { ok, ...summary } = summarise(results);
  return JSON.stringify({ ok, summary, checks: results }, null, 2);
}
