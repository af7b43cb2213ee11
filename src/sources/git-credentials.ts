import { GitSourceError } from './git-errors.js';

/** A repository URL with its credentials taken out, and how to hand them to git instead. */
export interface RemoteAccess {
  /** The URL without user-info: what git's argv, `.git/config` and every message see. */
  url: string;
  /** Variables to add to every git command (empty when the URL held no credentials). */
  env: Record<string, string>;
  /** The credential values, for redaction (raw and percent-encoded). */
  secrets: string[];
}

const USER_VAR = 'CLUSTEROPS_GIT_USERNAME';
const PASSWORD_VAR = 'CLUSTEROPS_GIT_PASSWORD';

/**
 * A credential helper that answers `get` from the two variables above and ignores `store` and
 * `erase`. It reads stdin first so git never writes to a closed pipe, and uses printf because
 * `echo` in dash rewrites backslashes.
 */
const HELPER = `!f() { cat >/dev/null; test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$${USER_VAR}" "$${PASSWORD_VAR}"; }; f`;

/**
 * Takes the credentials out of an `http(s)://user:password@host/…` URL and hands them to git
 * through a credential helper configured by environment (GIT_CONFIG_COUNT/KEY/VALUE).
 *
 * Why this mechanism: a URL with credentials is visible in `ps` (git's argv) and is stored in
 * `.git/config` and FETCH_HEAD. Environment variables are readable only by the same user (and
 * root), like the daemon's own memory. Of the ways git takes a secret without argv:
 * - a credential helper is git's own mechanism, scoped here to the URL's scheme, host and port,
 *   so the secret is never offered to another host (say, after a redirect), and it needs no
 *   file on disk;
 * - GIT_ASKPASS is one program for every prompt and would replace the operator's own;
 * - `http.extraHeader` sends the secret with every request, before any challenge.
 * The empty `helper` entry first resets the helper list for that origin, so a helper in the
 * operator's ~/.gitconfig cannot answer with other credentials: the URL's win, as before.
 * Other URLs (ssh, scp-like `git@host:path`, local paths) are returned unchanged.
 */
export function splitCredentials(url: string, env: Readonly<Record<string, string>>): RemoteAccess {
  const m = /^(https?:\/\/)([^/?#@]*)@([^/?#]*)(.*)$/is.exec(url.trim());
  if (!m) return { url, env: {}, secrets: [] };
  const [, scheme = '', userInfo = '', host = '', rest = ''] = m;
  const colon = userInfo.indexOf(':');
  const rawUser = colon === -1 ? userInfo : userInfo.slice(0, colon);
  const rawPassword = colon === -1 ? '' : userInfo.slice(colon + 1);
  const [user, password] = [decode(rawUser), decode(rawPassword)];
  if (/[\0\n\r]/.test(user + password)) throw new GitSourceError('InvalidUrl', 'the credentials in the repository URL contain a line break or NUL character');
  const origin = `${scheme}${host}`;
  const base = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  return {
    url: `${origin}${rest}`,
    env: {
      GIT_CONFIG_COUNT: String(base + 2),
      [`GIT_CONFIG_KEY_${base}`]: `credential.${origin}.helper`,
      [`GIT_CONFIG_VALUE_${base}`]: '',
      [`GIT_CONFIG_KEY_${base + 1}`]: `credential.${origin}.helper`,
      [`GIT_CONFIG_VALUE_${base + 1}`]: HELPER,
      [USER_VAR]: user,
      [PASSWORD_VAR]: password,
    },
    secrets: [...new Set([rawUser, user, rawPassword, password, userInfo])].filter((s) => s !== ''),
  };
}

/** The credential values in a repository URL (raw and decoded), for log redaction; [] when none or unusable. */
export function urlSecrets(url: string): string[] {
  try {
    return splitCredentials(url, {}).secrets;
  } catch {
    return [url];
  }
}

/** The URL with `***` in place of any user-info, for display (`config check`, logs). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@');
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
