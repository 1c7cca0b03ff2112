/**
 * The overview (/): order rates, latency, outbox backlog, consumer lag, dead letters and readiness,
 * live from the `overview` server-sent event (or /api/overview every 2 s when the stream fails).
 *
 * Hooks for browser tests (data-testid, with data-* attributes where noted):
 *   connection                 the stream's state; data-state="live|polling|offline"
 *   overview-at                when the figures shown were sampled
 *   rate-placed, rate-completed, rate-cancelled, sagas-running   cards; data-value holds the number shown
 *   latency-p50, latency-p90, latency-p99
 *   service-ready-<name>       one per service; data-ready="true|false", data-live="true|false"
 *   dependency-ready-<name>    one per broker or database (postgresql, rabbitmq, kafka, redis); data-up="true|false"
 *   outbox-row                 one per service; data-service, data-alerting="true|false"
 *   lag-alert                  present only while some partition's lag is alerting
 *   lag-row                    one per group/topic/partition; data-alerting="true|false"
 *   lag-empty                  shown when no consumer group reports lag
 *   dead-letters-total         the sum of every store's depth, a link to /dead-letters
 *   dead-letter-row            one per queue/topic; data-source, data-depth
 */
import { fill, formatCount, formatMs, formatRate, formatSeconds, formatTime, h, lineChart, showConnection, subscribeOverview } from './console.js';

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

function card(testid, value, total, values, format) {
  const element = $(testid);
  const number = element.querySelector('[data-value]');
  number.textContent = value;
  number.dataset.value = value;
  element.querySelector('[data-total]').textContent = total;
  fill(element.querySelector('[data-chart]'), lineChart(values, { format }));
}

function render(overview) {
  const history = overview.history ?? [];
  const series = (key) => history.map((point) => point[key] ?? null);
  const { orders, latency } = overview;

  $('overview-at').textContent = `sampled at ${formatTime(overview.at)}; charts show the last ${history.length} samples`;
  card('rate-placed', formatRate(orders.placedPerSecond), `${formatCount(orders.placedTotal)} in all`, series('placedPerSecond'), formatRate);
  card('rate-completed', formatRate(orders.completedPerSecond), `${formatCount(orders.completedTotal)} in all`, series('completedPerSecond'), formatRate);
  card('rate-cancelled', formatRate(orders.cancelledPerSecond), `${formatCount(orders.cancelledTotal)} in all`, series('cancelledPerSecond'), formatRate);
  card('sagas-running', formatCount(orders.running), orders.stuck > 0 ? `${formatCount(orders.stuck)} stuck` : 'none stuck', series('running'), formatCount);
  $('sagas-running').classList.toggle('alerting', orders.stuck > 0);

  $('latency-p50').textContent = formatMs(latency.p50Ms);
  $('latency-p90').textContent = formatMs(latency.p90Ms);
  $('latency-p99').textContent = formatMs(latency.p99Ms);
  fill($('latency').querySelector('[data-chart]'), lineChart(series('p99Ms'), { format: formatMs, label: 'p99' }));

  fill(
    $('services'),
    overview.services.map((service) =>
      h(
        'li',
        {
          class: service.ready ? 'ready' : 'not-ready',
          title: `${service.url}: ${service.live ? 'live' : 'not live'}, ${service.ready ? 'ready' : 'not ready'}`,
          dataset: { testid: `service-ready-${service.name}`, ready: String(service.ready), live: String(service.live) },
        },
        h('span', { class: 'dot' }),
        service.name,
        h('span', { class: 'muted small' }, service.ready ? ' ready' : service.live ? ' not ready' : ' down'),
      ),
    ),
  );

  fill(
    $('dependencies'),
    overview.dependencies.map((dependency) =>
      h(
        'li',
        {
          class: dependency.up ? 'ready' : 'not-ready',
          title: dependency.up ? 'every service that uses it reaches it' : `not reached by ${dependency.downFor.join(', ')}`,
          dataset: { testid: `dependency-ready-${dependency.name}`, up: String(dependency.up) },
        },
        h('span', { class: 'dot' }),
        dependency.name,
        h('span', { class: 'muted small' }, dependency.up ? ' up' : ` down for ${dependency.downFor.join(', ')}`),
      ),
    ),
  );

  fill($('outbox-chart'), lineChart(series('outboxPending'), { format: formatCount, label: 'outbox rows pending, all services', width: 320 }));
  fill(
    $('outbox-rows'),
    overview.outbox.length === 0
      ? h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'no outbox figures'))
      : overview.outbox.map((row) =>
          h(
            'tr',
            { class: row.alerting ? 'alerting' : '', dataset: { testid: 'outbox-row', service: row.service, alerting: String(row.alerting) } },
            h('td', {}, row.service),
            h('td', { class: 'num' }, formatCount(row.pending)),
            h('td', { class: 'num' }, row.pending > 0 ? formatSeconds(row.oldestPendingAgeSeconds) : '–'),
            h('td', {}, row.alerting ? h('span', { class: 'badge bad' }, 'alert') : h('span', { class: 'badge ok' }, 'ok')),
          ),
        ),
  );

  const alerting = overview.lag.filter((row) => row.alerting);
  fill(
    $('lag-alert-slot'),
    alerting.length > 0 &&
      h(
        'p',
        { class: 'alert', role: 'alert', dataset: { testid: 'lag-alert' } },
        `Lag alert: ${alerting.length} partition${alerting.length === 1 ? '' : 's'} behind (`,
        alerting.map((row) => `${row.group} ${row.topic}[${row.partition}] ${formatCount(row.lag)}`).join(', '),
        ')',
      ),
  );
  fill(
    $('lag-rows'),
    overview.lag.length === 0
      ? h('tr', {}, h('td', { colspan: 6, class: 'empty', dataset: { testid: 'lag-empty' } }, 'no consumer lag reported'))
      : overview.lag.map((row) =>
          h(
            'tr',
            { class: row.alerting ? 'alerting' : '', dataset: { testid: 'lag-row', alerting: String(row.alerting), group: row.group, topic: row.topic, partition: String(row.partition) } },
            h('td', {}, row.service),
            h('td', { class: 'mono' }, row.group),
            h('td', { class: 'mono' }, row.topic),
            h('td', { class: 'num' }, row.partition),
            h('td', { class: 'num' }, formatCount(row.lag)),
            h('td', {}, row.alerting ? h('span', { class: 'badge bad' }, 'alert') : h('span', { class: 'badge ok' }, 'ok')),
          ),
        ),
  );

  const total = overview.deadLetters.reduce((sum, store) => sum + store.depth, 0);
  const totalLink = $('dead-letters-total');
  totalLink.textContent = formatCount(total);
  totalLink.dataset.value = String(total);
  totalLink.classList.toggle('bad', total > 0);
  fill(
    $('dead-letter-rows'),
    overview.deadLetters.length === 0
      ? h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'no dead letters'))
      : overview.deadLetters.map((store) =>
          h(
            'tr',
            { class: store.depth > 0 ? 'alerting' : '', dataset: { testid: 'dead-letter-row', source: store.source, depth: String(store.depth) } },
            h('td', {}, store.service),
            h('td', {}, store.broker),
            h('td', { class: 'mono' }, h('a', { href: '/dead-letters' }, store.source)),
            h('td', { class: 'num' }, formatCount(store.depth)),
          ),
        ),
  );
}

subscribeOverview(render, showConnection);
