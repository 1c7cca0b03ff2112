/**
 * Sagas (/sagas): search by order id, customer id and state; the list follows the overview stream
 * (refreshed at most every 2 s). The search is kept in the address bar, so a result can be shared.
 *
 * Hooks for browser tests (data-testid):
 *   saga-search, saga-search-order, saga-search-customer, saga-search-state, saga-search-submit
 *   saga-summary     how many sagas matched, or the error
 *   saga-row         one per saga; data-order-id, data-state, data-stuck="true|false"; its first cell links to /orders/:id
 *   saga-empty       shown when nothing matches
 *   connection       the stream's state; data-state="live|polling|offline"
 */
import { fetchJson, fill, formatMs, formatTime, HttpError, h, showConnection, subscribeOverview } from './console.js';

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const form = $('saga-search');
const REFRESH_EVERY_MS = 2000;

function query() {
  const params = new URLSearchParams();
  for (const name of ['orderId', 'customerId', 'state']) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

let inFlight = false;
let lastLoadAt = 0;

async function load() {
  if (inFlight) return;
  inFlight = true;
  lastLoadAt = Date.now();
  try {
    const { sagas } = await fetchJson(`/api/sagas?${query()}`);
    render(sagas);
  } catch (error) {
    const hint = error instanceof HttpError && error.status === 401 ? ' (enter the admin key on the Dead letters page)' : '';
    $('saga-summary').textContent = `could not load sagas: ${error.message}${hint}`;
  } finally {
    inFlight = false;
  }
}

function render(sagas) {
  const stuck = sagas.filter((saga) => saga.stuck).length;
  $('saga-summary').textContent = `${sagas.length} saga${sagas.length === 1 ? '' : 's'}${stuck ? `, ${stuck} stuck` : ''}; updated ${formatTime(new Date().toISOString())}`;
  const now = Date.now();
  fill(
    $('saga-rows'),
    sagas.length === 0
      ? h('tr', {}, h('td', { colspan: 8, class: 'empty', dataset: { testid: 'saga-empty' } }, 'no sagas match'))
      : sagas.map((saga) =>
          h(
            'tr',
            { class: saga.stuck ? 'alerting' : '', dataset: { testid: 'saga-row', orderId: saga.orderId, state: saga.state, stuck: String(saga.stuck) } },
            h('td', { class: 'mono' }, h('a', { href: `/orders/${encodeURIComponent(saga.orderId)}` }, saga.orderId)),
            h('td', {}, h('a', { href: `/sagas?customerId=${encodeURIComponent(saga.customerId)}` }, saga.customerId)),
            h('td', {}, h('span', { class: `badge ${stateClass(saga)}` }, saga.stuck ? 'STUCK' : saga.state)),
            h('td', { class: 'mono' }, saga.step ?? '–'),
            h('td', {}, saga.status ?? '–'),
            h('td', {}, formatTime(saga.startedAt)),
            h('td', {}, formatTime(saga.updatedAt)),
            h('td', { class: 'num' }, formatMs((isTerminal(saga) ? Date.parse(saga.updatedAt) : now) - Date.parse(saga.startedAt))),
          ),
        ),
  );
}

const isTerminal = (saga) => saga.state === 'COMPLETED' || saga.state === 'CANCELLED';
const stateClass = (saga) => (saga.stuck ? 'bad' : saga.state === 'COMPLETED' ? 'ok' : saga.state === 'CANCELLED' ? 'warn' : 'info');

// The form starts from the address bar (/sagas?state=STUCK) and writes its search back there.
const initial = new URLSearchParams(location.search);
for (const name of ['orderId', 'customerId', 'state']) {
  if (initial.has(name)) form.elements[name].value = initial.get(name);
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const params = query();
  history.replaceState(null, '', params.toString() ? `/sagas?${params}` : '/sagas');
  load();
});
form.elements.state.addEventListener('change', () => form.requestSubmit());

load();
subscribeOverview(() => {
  if (Date.now() - lastLoadAt >= REFRESH_EVERY_MS) load();
}, showConnection);
