/** `12 s ago`, `3 min ago`, `2 h ago`, `4 days ago`; from the browser's clock. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86_400);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** The time in the reader's locale, for titles and timelines. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha.slice(0, 18);
}

export const PROVIDERS: Record<string, string> = { digitalocean: 'DigitalOcean', hetzner: 'Hetzner Cloud', aws: 'AWS' };
export const ORCHESTRATORS: Record<string, string> = { kubernetes: 'Kubernetes (k3s)', swarm: 'Docker Swarm' };
