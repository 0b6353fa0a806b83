/**
 * The governance console (design.md sections 6 and 8): sign in with the admin token, then three
 * views: the rules browser, override analytics, and "try a patient". Vanilla TypeScript: three
 * views with little shared state need no framework runtime (see console/README.md).
 */
import './styles.css';
import { api, ApiError, setToken, signedIn } from './api.js';
import { clear, h } from './dom.js';
import { showRules, type RuleSetContent } from './rules-view.js';

const main = document.getElementById('main') as HTMLElement;
const tabs = document.getElementById('tabs') as HTMLElement;
const signOut = document.getElementById('sign-out') as HTMLButtonElement;

const VIEWS = [
  { id: 'rules', label: 'Rules' },
  { id: 'analytics', label: 'Override analytics' },
  { id: 'try', label: 'Try a patient' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

let ruleSets: RuleSetContent | null = null;

function showSignIn(message?: string): void {
  tabs.hidden = true;
  signOut.hidden = true;
  const input = h('input', {
    id: 'admin-token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    'data-testid': 'admin-token', 'aria-describedby': 'sign-in-help',
  });
  const error = h('p', { class: 'error', role: 'alert', id: 'sign-in-error' }, message ?? '');
  const button = h('button', { type: 'submit', 'data-testid': 'sign-in' }, 'Sign in');
  const form = h(
    'form', { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    h('label', { for: 'admin-token' }, 'Admin token'),
    input,
    h('p', { id: 'sign-in-help', class: 'help' }, 'The ADMIN_TOKEN the service was started with. It is kept for this tab only.'),
    button,
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (value === '') {
      error.textContent = 'Enter the admin token.';
      return;
    }
    button.disabled = true;
    error.textContent = '';
    // The token is checked against an admin endpoint: a wrong one is refused there (401).
    api<RuleSetContent>('GET', '/admin/api/rule-sets', undefined, value)
      .then((content) => {
        setToken(value);
        ruleSets = content;
        start('rules');
      })
      .catch((err: unknown) => {
        button.disabled = false;
        error.textContent =
          err instanceof ApiError && err.status === 401
            ? 'That admin token was refused (401). Check the ADMIN_TOKEN the service runs with.'
            : `Sign-in failed: ${(err as Error).message}`;
        input.select();
      });
  });
  clear(main, form);
  input.focus();
}

function start(view: ViewId): void {
  tabs.hidden = false;
  signOut.hidden = false;
  clear(
    tabs,
    ...VIEWS.map((v) =>
      h('button', { type: 'button', class: 'tab', 'aria-current': v.id === view ? 'page' : null, 'data-view': v.id, onclick: () => { start(v.id); } }, v.label),
    ),
  );
  const section = h('section', { class: 'view', 'aria-label': VIEWS.find((v) => v.id === view)?.label ?? view });
  clear(main, section);
  const onAuthLost = (): void => {
    setToken(null);
    showSignIn('The admin token is no longer accepted: sign in again.');
  };
  switch (view) {
    case 'rules':
      void showRules(section, { cached: ruleSets, onAuthLost, remember: (c) => (ruleSets = c) });
      break;
    // Loaded when first opened: Chart.js and markdown-it are most of the console's code.
    case 'analytics':
      void import('./analytics-view.js').then((m) => m.showAnalytics(section, { onAuthLost }));
      break;
    case 'try':
      void import('./try-view.js').then((m) => m.showTry(section, { onAuthLost }));
      break;
  }
}

signOut.addEventListener('click', () => {
  setToken(null);
  ruleSets = null;
  showSignIn();
});

if (signedIn()) start('rules');
else showSignIn();
