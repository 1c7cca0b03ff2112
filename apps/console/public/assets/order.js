/**
 * One order (/orders/:id): its status, the saga's timeline from the order's history, and the trace
 * waterfall. Polls the order and its trace every second until the order is COMPLETED or CANCELLED
 * and the trace has not grown for 3 s (spans arrive after the order ends: notification, points).
 *
 * Hooks for browser tests (data-testid, with data-* attributes where noted):
 *   order-id, order-status (data-status), order-customer, order-total, order-cancellation-reason, order-items
 *   order-following      "following…" while polling, "final" once it stopped; data-state="following|final|missing"
 *   order-missing        shown when the order service does not know the id
 *   timeline-entry       one per history entry; data-step, data-event, data-compensation="true|false"
 *   timeline-empty       shown while the history is empty
 *   trace-id             the trace's id (empty while there is none)
 *   trace-span           one per span, sorted by start; data-service, data-span-id, data-depth, data-linked="true|false",
 *                        data-broker and data-destination when the span carries messaging attributes
 *   trace-empty          "no trace yet"
 */
import { fetchJson, fill, formatCents, formatMs, formatTime, h, HttpError, showConnection } from './console.js';

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const POLL_MS = 1000;
const QUIET_MS = 3000;
const TERMINAL = ['COMPLETED', 'CANCELLED'];
const COMPENSATION = /release|refund|compensat|cancel|timeout/i;

const orderId = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '');
document.title = `Order ${orderId} · order platform console`;
$('order-id').textContent = orderId;

function renderOrder(order) {
  const status = $('order-status');
  status.textContent = order.status;
  status.dataset.status = order.status;
  status.className = `badge ${order.status === 'COMPLETED' ? 'ok' : order.status === 'CANCELLED' ? 'warn' : 'info'}`;
  $('order-customer').replaceChildren(h('a', { href: `/sagas?customerId=${encodeURIComponent(order.customerId)}` }, order.customerId));
  $('order-total').textContent = order.totalCents === undefined || order.totalCents === null ? '–' : `${formatCents(order.totalCents)} (${order.totalCents} cents)`;
  $('order-cancellation-reason').textContent = order.cancellationReason ?? '–';
  $('order-items').textContent = (order.items ?? []).map((item) => `${item.quantity} × ${item.sku}`).join(', ') || '–';

  const entries = order.history ?? [];
  fill(
    $('timeline'),
    entries.length === 0
      ? h('tr', {}, h('td', { colspan: 5, class: 'empty', dataset: { testid: 'timeline-empty' } }, 'no saga steps yet'))
      : entries.map((entry, index) => {
          const compensation = COMPENSATION.test(entry.step ?? '') || COMPENSATION.test(entry.event ?? '');
          const gap = index === 0 ? null : Date.parse(entry.at) - Date.parse(entries[index - 1].at);
          return h(
            'tr',
            {
              class: compensation ? 'compensation' : '',
              dataset: { testid: 'timeline-entry', step: entry.step, event: entry.event, compensation: String(compensation) },
            },
            h('td', { class: 'mono' }, formatTime(entry.at)),
            h('td', { class: 'num' }, gap === null ? '' : `+${Math.round(gap)} ms`),
            h('td', { class: 'mono' }, entry.step, compensation && h('span', { class: 'badge warn small' }, 'compensation')),
            h('td', { class: 'mono' }, entry.event),
            h('td', { class: 'small' }, entry.detail === undefined || entry.detail === null ? '' : typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail)),
          );
        }),
  );
}

/** Depth of each span under its parents; a span whose parent is not in the set is a root. */
function depths(spans) {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const memo = new Map();
  const depthOf = (span, seen = new Set()) => {
    if (memo.has(span.spanId)) return memo.get(span.spanId);
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    // A cycle would be a bug in the trace, but must not hang the page.
    const depth = parent && !seen.has(parent.spanId) ? depthOf(parent, seen.add(span.spanId)) + 1 : 0;
    memo.set(span.spanId, depth);
    return depth;
  };
  return new Map(spans.map((span) => [span.spanId, depthOf(span)]));
}

const KNOWN_SERVICES = ['order', 'inventory', 'payment', 'notification', 'points'];

function renderTrace(trace) {
  $('trace-id').textContent = trace.traceId ?? '';
  const own = (trace.spans ?? []).map((span) => ({ ...span, linked: false }));
  const linked = (trace.linkedSpans ?? []).map((span) => ({ ...span, linked: true }));
  const all = [...own, ...linked].map((span) => ({ ...span, start: Date.parse(span.startTime) }));
  const container = $('trace');
  if (all.length === 0) {
    fill(container, h('p', { class: 'empty', dataset: { testid: 'trace-empty' } }, 'no trace yet'));
    return;
  }
  all.sort((a, b) => a.start - b.start || (a.linked === b.linked ? 0 : a.linked ? 1 : -1));
  const depthOf = depths(all);
  const traceStart = Math.min(...all.map((span) => span.start));
  const traceEnd = Math.max(...all.map((span) => span.start + Math.max(0, span.durationMs)));
  const totalMs = Math.max(1, traceEnd - traceStart);
  const percent = (ms) => `${((ms / totalMs) * 100).toFixed(3)}%`;

  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) =>
    h('span', { class: 'tick', style: `left:${fraction * 100}%` }, fraction === 0 ? '0' : formatMs(totalMs * fraction)),
  );
  fill(
    container,
    h('div', { class: 'wf-row wf-axis' }, h('div', { class: 'wf-label' }, `${all.length} spans (${linked.length} linked), ${formatMs(totalMs)} in all`), h('div', { class: 'wf-track' }, ticks)),
    all.map((span) => {
      const broker = span.attributes?.['messaging.system'];
      const destination = span.attributes?.['messaging.destination.name'];
      const depth = depthOf.get(span.spanId) ?? 0;
      const serviceClass = KNOWN_SERVICES.includes(span.service) ? `svc-${span.service}` : 'svc-other';
      const offset = span.start - traceStart;
      const title = [
        `${span.service} ${span.name} (${span.kind})`,
        `starts +${formatMs(offset)}, lasts ${formatMs(span.durationMs)}`,
        ...Object.entries(span.attributes ?? {}).map(([key, value]) => `${key}: ${value}`),
        span.linked ? `linked, in trace ${span.traceId}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      return h(
        'div',
        {
          class: `wf-row ${serviceClass}${span.linked ? ' linked' : ''}`,
          title,
          dataset: {
            testid: 'trace-span',
            service: span.service,
            spanId: span.spanId,
            depth: String(depth),
            linked: String(span.linked),
            ...(broker !== undefined && { broker: String(broker) }),
            ...(destination !== undefined && { destination: String(destination) }),
          },
        },
        h(
          'div',
          { class: 'wf-label', style: `padding-left:${depth * 14 + 4}px` },
          h('span', { class: 'svc' }, span.service),
          ' ',
          h('span', { class: 'name' }, span.name),
          broker !== undefined && h('span', { class: 'broker' }, ` ${broker}${destination !== undefined ? ` → ${destination}` : ''}`),
          span.linked && h('span', { class: 'badge linked' }, 'linked'),
        ),
        h(
          'div',
          { class: 'wf-track' },
          h('span', { class: 'wf-bar', style: `left:${percent(offset)};width:max(2px, ${percent(Math.max(0, span.durationMs))})` }),
          h('span', { class: 'wf-ms', style: `left:calc(${percent(offset + Math.max(0, span.durationMs))} + 4px)` }, formatMs(span.durationMs)),
        ),
      );
    }),
  );
}

const spanCount = (trace) => (trace?.spans?.length ?? 0) + (trace?.linkedSpans?.length ?? 0);

function setFollowing(state, text) {
  const element = $('order-following');
  element.dataset.state = state;
  element.textContent = text;
  showConnection(state === 'final' || state === 'missing' ? 'live' : 'polling');
  const indicator = $('connection');
  if (indicator) indicator.textContent = state === 'following' ? 'polling every 1 s' : 'stopped polling';
}

let lastCount = -1;
let lastGrowthAt = Date.now();
/** Spans keep arriving after the order ends (notification, points): quiet counts from the end at the earliest. */
let terminalSeenAt = null;

async function poll() {
  let order;
  try {
    order = await fetchJson(`/api/orders/${encodeURIComponent(orderId)}`);
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 400)) {
      fill($('timeline'), h('tr', {}, h('td', { colspan: 5, class: 'empty', dataset: { testid: 'order-missing' } }, `no such order: ${error.message}`)));
      $('order-status').textContent = 'unknown';
      renderTrace({ traceId: null, spans: [], linkedSpans: [] });
      setFollowing('missing', `the order service does not know ${orderId}`);
      return;
    }
    setFollowing('following', `could not read the order (${error.message}); trying again`);
    setTimeout(poll, POLL_MS);
    return;
  }
  renderOrder(order);

  let trace = null;
  try {
    trace = await fetchJson(`/api/orders/${encodeURIComponent(orderId)}/trace`);
    renderTrace(trace);
  } catch (error) {
    if (lastCount <= 0) renderTrace({ traceId: null, spans: [], linkedSpans: [] });
    $('trace-id').textContent = `(could not read the trace: ${error.message})`;
  }
  const count = trace ? spanCount(trace) : lastCount;
  if (count !== lastCount) {
    lastCount = count;
    lastGrowthAt = Date.now();
  }
  if (TERMINAL.includes(order.status) && terminalSeenAt === null) terminalSeenAt = Date.now();
  const quiet = terminalSeenAt !== null && Date.now() - Math.max(lastGrowthAt, terminalSeenAt) >= QUIET_MS;
  if (quiet && trace !== null) {
    setFollowing('final', `${order.status}; the trace has not changed for ${QUIET_MS / 1000} s, so the page stopped following. Reload to look again.`);
    return;
  }
  setFollowing('following', TERMINAL.includes(order.status) ? `${order.status}; waiting for the trace's last spans…` : 'following the saga live…');
  setTimeout(poll, POLL_MS);
}

poll();
