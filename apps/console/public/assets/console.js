/**
 * Helpers shared by the console's pages: JSON requests, the live overview stream, formatting, and a
 * small SVG line chart. Plain ES module, no dependencies: the console must work on an offline machine.
 */

/** A request that answered something other than 2xx; `message` is the server's own when it sent one. */
export class HttpError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Where the admin key the operator typed (on the dead-letters page) is kept, for this tab only. */
export const ADMIN_KEY_STORAGE = 'console.apiKey';

/**
 * The operator routes (sagas, dead letters) need the admin key when the platform has one: it is
 * sent with every request once the operator has typed it in.
 */
export async function fetchJson(url, options = {}) {
  const key = sessionStorage.getItem(ADMIN_KEY_STORAGE);
  const headers = { accept: 'application/json', ...(key ? { 'X-API-Key': key } : {}), ...(options.headers ?? {}) };
  const response = await fetch(url, { ...options, headers });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message = body && typeof body === 'object' && 'message' in body ? String(body.message) : `${response.status} ${response.statusText}`;
    throw new HttpError(response.status, message, body);
  }
  return body;
}

const POLL_MS = 2000;

/**
 * Calls `onOverview` with every overview the server sends on /api/events (about every 2 s). If the
 * browser has no EventSource, or the stream fails, it polls /api/overview every 2 s instead.
 * `onState` hears 'live', 'polling' or 'offline'. Returns a function that stops everything.
 */
export function subscribeOverview(onOverview, onState = () => {}) {
  let source = null;
  let timer = null;
  let stopped = false;

  const poll = async () => {
    try {
      onOverview(await fetchJson('/api/overview'));
      onState('polling');
    } catch (error) {
      onState('offline', error);
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  const fallBack = () => {
    if (source) source.close();
    source = null;
    if (!stopped && timer === null) poll();
  };

  if (typeof EventSource === 'function') {
    source = new EventSource('/api/events');
    source.addEventListener('overview', (event) => {
      onState('live');
      onOverview(JSON.parse(event.data));
    });
    // EventSource would reconnect by itself, but silently; polling shows the operator figures meanwhile.
    source.addEventListener('error', fallBack);
    // The stream's first event can take up to one sampling period: show the figures now.
    fetchJson('/api/overview').then(onOverview, () => {});
  } else {
    fallBack();
  }
  return () => {
    stopped = true;
    if (source) source.close();
    if (timer !== null) clearTimeout(timer);
  };
}

/** Shows the stream's state in the nav bar's indicator, if the page has one. */
export function showConnection(state) {
  const indicator = document.querySelector('[data-testid="connection"]');
  if (!indicator) return;
  indicator.dataset.state = state;
  indicator.textContent = { live: 'live', polling: 'polling every 2 s', offline: 'no answer from the console' }[state] ?? state;
}

/**
 * h('td', { class: 'num', dataset: { testid: 'x' } }, 'text', child): builds elements without
 * innerHTML, so text from messages (reasons, payloads) can never become markup.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export const formatSeconds = (seconds) => formatMs(seconds === null || seconds === undefined ? seconds : seconds * 1000);

export function formatRate(perSecond) {
  if (!Number.isFinite(perSecond)) return '–';
  return perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

export const formatCount = (value) => (Number.isFinite(value) ? value.toLocaleString('en-US') : '–');

export const formatCents = (cents) => (Number.isFinite(cents) ? (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '–');

/** "18:49:05.123" in the browser's time zone: operators compare times within minutes, not days. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '–');
  const pad = (value, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '–');
  return `${date.toISOString().slice(0, 10)} ${formatTime(iso)}`;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * A line chart of `values` (oldest first; null is a gap) as an inline SVG: one polyline, the
 * baseline, the scale's top value on the left and the latest value labelled at the line's end.
 */
export function lineChart(values, { width = 220, height = 56, format = String, label = '' } = {}) {
  const labelWidth = 56;
  const plotWidth = width - labelWidth;
  const top = 10;
  const bottom = height - 4;
  const numbers = values.filter((value) => value !== null && Number.isFinite(value));
  const max = Math.max(1e-9, ...numbers);
  const chart = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  chart.append(svg('title', {}, label ? `${label}, last ${values.length} samples` : `last ${values.length} samples`));
  chart.append(svg('line', { class: 'chart-axis', x1: 0, y1: bottom, x2: plotWidth, y2: bottom }));
  if (numbers.length > 0) chart.append(svg('text', { class: 'chart-scale', x: 0, y: 8 }, `max ${format(Math.max(...numbers))}`));
  if (values.length === 0) {
    chart.append(svg('text', { class: 'chart-empty', x: plotWidth / 2, y: height / 2 + 4, 'text-anchor': 'middle' }, 'no samples yet'));
    return chart;
  }
  const x = (index) => (values.length === 1 ? plotWidth : (index / (values.length - 1)) * plotWidth);
  const y = (value) => bottom - (value / max) * (bottom - top);
  // A gap (null) ends one polyline and the next value starts another.
  let points = [];
  const flush = () => {
    if (points.length > 0) chart.append(svg('polyline', { class: 'chart-line', points: points.join(' ') }));
    points = [];
  };
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) flush();
    else points.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
  });
  flush();
  const lastIndex = values.length - 1;
  const last = values[lastIndex];
  if (last !== null && Number.isFinite(last)) {
    chart.append(svg('circle', { class: 'chart-dot', cx: x(lastIndex), cy: y(last), r: 2.5 }));
    chart.append(svg('text', { class: 'chart-latest', x: plotWidth + 6, y: Math.min(bottom, Math.max(top + 4, y(last) + 4)) }, format(last)));
  } else {
    chart.append(svg('text', { class: 'chart-latest', x: plotWidth + 6, y: bottom }, '–'));
  }
  return chart;
}
