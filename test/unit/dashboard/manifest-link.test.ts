import { describe, expect, it } from 'vitest';
import { githubPullLink, manifestLink } from '../../../src/dashboard/index.js';

const REV = '0123456789abcdef0123456789abcdef01234567';

describe('manifestLink: where "open in Git" points', () => {
  it.each([
    ['git@github.com:acme/clusters.git', `https://github.com/acme/clusters/blob/${REV}/clusters/web.yaml`],
    ['https://github.com/acme/clusters.git', `https://github.com/acme/clusters/blob/${REV}/clusters/web.yaml`],
    ['https://github.com/acme/clusters', `https://github.com/acme/clusters/blob/${REV}/clusters/web.yaml`],
    ['ssh://git@github.com/acme/clusters.git', `https://github.com/acme/clusters/blob/${REV}/clusters/web.yaml`],
    // Credentials in the URL never reach the page.
    ['https://x-access-token:ghp_secret123@github.com/acme/clusters.git', `https://github.com/acme/clusters/blob/${REV}/clusters/web.yaml`],
    ['https://gitlab.example.com/platform/clusters.git', `https://gitlab.example.com/platform/clusters/blob/${REV}/clusters/web.yaml`],
    ['/srv/git/clusters.git', null],
    ['file:///srv/git/clusters.git', null],
    [undefined, null],
  ])('%s → %s', (url, link) => {
    expect(manifestLink(url, REV, 'clusters/web.yaml')).toBe(link);
  });

  it('links only to a commit, never to a local revision', () => {
    expect(manifestLink('https://github.com/acme/clusters', 'local:abc', 'clusters/web.yaml')).toBeNull();
  });

  it('links pull requests on github.com and on GitHub Enterprise', () => {
    expect(githubPullLink('https://api.github.com', 'acme/clusters')(7)).toBe('https://github.com/acme/clusters/pull/7');
    expect(githubPullLink('https://ghe.example.com/api/v3', 'acme/clusters')(7)).toBe('https://ghe.example.com/acme/clusters/pull/7');
  });
});
