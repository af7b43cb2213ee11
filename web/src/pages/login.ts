import { h } from '../dom.js';
import { heading } from './common.js';

/**
 * The sign-in form. The token goes to session storage (this tab only) and into the
 * Authorization header of each request; the form posts nowhere, so it never lands in a URL.
 */
export function loginPage(onSubmit: (token: string) => Promise<string | null>, message: { text: string; kind: 'error' | 'info' } | null): HTMLElement {
  const error = h('p', { class: 'notice error', id: 'login-error', role: 'alert', hidden: message?.kind !== 'error' }, message?.kind === 'error' ? message.text : '');
  const info = message?.kind === 'info' ? h('p', { class: 'notice info', role: 'status' }, message.text) : null;
  // No `name`: even a native submission (were the script to fail) could not put the token in a URL.
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help login-error' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login', method: 'post', action: '/', novalidate: true },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { class: 'help', id: 'token-help' }, 'The bearer token you use with the Clusters API (', h('code', {}, 'clusterops token create --user …'), '). In the demo it is in ', h('code', {}, '.clusterops/demo-token'), '. It stays in this browser tab only.'),
    button,
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      error.textContent = 'Enter an API token.';
      error.hidden = false;
      input.focus();
      return;
    }
    button.disabled = true;
    void onSubmit(token).then((problem) => {
      button.disabled = false;
      if (!problem) return;
      error.textContent = problem;
      error.hidden = false;
      input.select();
      input.focus();
    });
  });
  return h('section', { class: 'login-page', 'aria-labelledby': 'page-title' }, heading('Sign in'), info, h('p', {}, 'A read-only view of your clusters, their nodes, plans and events. Changes go through Git or the Clusters API.'), form);
}
