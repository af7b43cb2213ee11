/** Join tokens recognised even when a caller forgot to list them: Swarm's and k3s's formats. */
const TOKEN_PATTERNS = [/SWMTKN-1-[0-9a-z]+-[0-9a-z]+/gi, /K10[0-9a-f]{16,}::[a-z]+:[0-9a-z]+/gi];

/** Replaces every listed secret and every recognisable join token with `[redacted]`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Also the shell-quoted form, as it appears inside a command (`'` becomes `'\''`); longest
  // first, so a secret containing another is removed whole.
  const forms = secrets.filter((s) => s.length >= 4).flatMap((s) => [s.replace(/'/g, `'\\''`), s]);
  for (const secret of forms.sort((a, b) => b.length - a.length)) out = out.split(secret).join('[redacted]');
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}
