/**
 * Dead letters (/dead-letters): every service's dead-letter queues and topics with their letters,
 * and a re-drive per store. The admin key, when the services need one, is kept in sessionStorage
 * (this tab only) and sent as X-API-Key. The list refreshes after a re-drive and whenever the
 * overview stream reports other depths.
 *
 * Hooks for browser tests (data-testid, with data-* attributes where noted):
 *   api-key, api-key-form, refresh
 *   dead-letters-empty     "no dead letters" when no store holds any letter
 *   dead-letter-store      one per store; data-service, data-broker, data-source, data-depth
 *   dead-letter-row        one per letter; data-message-id
 *   redrive-button         inside its store
 *   redrive-result         inside its store: "re-drove N" (data-redriven, data-more) or the error (data-error)
 *   connection             the stream's state; data-state="live|polling|offline"
 */
import { ADMIN_KEY_STORAGE, fetchJson, fill, formatCount, formatDateTime, h, HttpError, showConnection, subscribeOverview } from './console.js';

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const KEY_STORAGE = ADMIN_KEY_STORAGE;
const storeKey = (store) => `${store.service}\u0000${store.source}`;
/** The last re-drive answer per store, kept across refreshes. */
const results = new Map();

const keyInput = $('api-key');
keyInput.value = sessionStorage.getItem(KEY_STORAGE) ?? '';
$('api-key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
});
$('refresh').addEventListener('click', () => load());

async function load() {
  try {
    const { stores } = await fetchJson('/api/dead-letters');
    render(stores);
  } catch (error) {
    fill($('dead-letter-stores'), h('p', { class: 'alert' }, `could not load the dead letters: ${error.message}`));
  }
}

async function redrive(store, button) {
  button.disabled = true;
  const key = keyInput.value.trim();
  const url = `/api/dead-letters/${encodeURIComponent(store.service)}/${encodeURIComponent(store.source)}/redrive`;
  try {
    const answer = await fetchJson(url, { method: 'POST', headers: key ? { 'X-API-Key': key } : {} });
    results.set(storeKey(store), { ok: true, ...answer });
  } catch (error) {
    const message = error instanceof HttpError && error.status === 401 ? `401: ${error.message} (enter the admin key above)` : error.message;
    results.set(storeKey(store), { ok: false, message });
  }
  await load();
}

function resultOf(store) {
  const result = results.get(storeKey(store));
  if (!result) return h('span', { class: 'redrive-result', dataset: { testid: 'redrive-result' } });
  if (!result.ok) return h('span', { class: 'redrive-result bad', dataset: { testid: 'redrive-result', error: 'true' } }, result.message);
  return h(
    'span',
    { class: 'redrive-result ok', dataset: { testid: 'redrive-result', redriven: String(result.redriven), more: String(result.more) } },
    `re-drove ${formatCount(result.redriven)}${result.more ? '; more are waiting, press again' : ''}`,
  );
}

function render(stores) {
  const total = stores.reduce((sum, store) => sum + store.depth, 0);
  fill(
    $('dead-letter-stores'),
    total === 0 && h('p', { class: 'empty', dataset: { testid: 'dead-letters-empty' } }, 'no dead letters'),
    stores.map((store) =>
      h(
        'section',
        { class: 'store', dataset: { testid: 'dead-letter-store', service: store.service, broker: store.broker, source: store.source, depth: String(store.depth) } },
        h(
          'h2',
          {},
          h('span', { class: 'mono' }, store.source),
          h('span', { class: 'muted small' }, ` ${store.service} · ${store.broker} · depth `),
          h('span', { class: store.depth > 0 ? 'bad' : '' }, formatCount(store.depth)),
        ),
        h(
          'p',
          {},
          h('button', { type: 'button', dataset: { testid: 'redrive-button' }, disabled: store.depth === 0, onclick: (event) => redrive(store, event.currentTarget) }, 'Re-drive'),
          ' ',
          resultOf(store),
        ),
        store.letters.length === 0
          ? h('p', { class: 'empty small' }, 'no letters held')
          : h(
              'table',
              {},
              h('thead', {}, h('tr', {}, ['message id', 'type', 'order', 'reason', 'attempts', 'dead-lettered at', 'consumer', 'redriven', 'payload'].map((name) => h('th', { class: name === 'attempts' ? 'num' : '' }, name)))),
              h(
                'tbody',
                {},
                store.letters.map((letter) =>
                  h(
                    'tr',
                    { dataset: { testid: 'dead-letter-row', messageId: letter.messageId } },
                    h('td', { class: 'mono small' }, letter.messageId),
                    h('td', { class: 'mono' }, letter.type ?? '–'),
                    h('td', { class: 'mono small' }, letter.correlationId ? h('a', { href: `/orders/${encodeURIComponent(letter.correlationId)}` }, letter.correlationId) : '–'),
                    h('td', { class: 'reason' }, letter.reason ?? '–'),
                    h('td', { class: 'num' }, letter.attempts ?? '–'),
                    h('td', {}, letter.deadLetteredAt ? formatDateTime(letter.deadLetteredAt) : '–'),
                    h('td', { class: 'mono small' }, letter.consumer ?? '–'),
                    h('td', {}, letter.redriven ? String(letter.redriven) : 'no'),
                    h('td', {}, h('details', {}, h('summary', {}, 'show'), h('pre', {}, JSON.stringify(letter.payload, null, 2)))),
                  ),
                ),
              ),
            ),
      ),
    ),
  );
}

load();
let depths = '';
subscribeOverview((overview) => {
  const now = overview.deadLetters.map((store) => `${storeKey(store)}=${store.depth}`).join(',');
  if (depths !== '' && now !== depths) load();
  depths = now;
}, showConnection);
