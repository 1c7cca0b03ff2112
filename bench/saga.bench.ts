/**
 * `npm run bench:saga`: what placing an order costs the whole platform, measured against the
 * platform `npm start` runs (it starts and stops nothing).
 *
 *   1. at rest: the CPU of every process while nobody orders;
 *   2. a ladder of fixed offered rates (open loop: sends are scheduled, never held back by slow answers);
 *   3. a flash sale: a burst of orders through a fixed number of connections.
 *
 * Per step: accepted and refused requests, orders ended per second, POST and end-to-end latency
 * (from each order's own timestamps), CPU per order for each process group and database
 * transactions per order for each service, and where a completed order's time goes, hop by hop. Writes bench/results/saga-<time>.json and
 * saga-latest.json, and prints Markdown tables. Settings: bench/saga/settings.ts. With
 * --compare-tracing=true every step runs twice, recording no trace and every trace (or a share of
 * them: --compare-tracing=0.1), to show what tracing costs within one run.
 */
import { benchCatalogue, orderGenerator, stockCatalogue } from './saga/catalogue';
import { OrderDatabase, TransactionCounters } from './saga/database';
import { HttpClient } from './saga/http-client';
import { SagaHops } from './saga/hops';
import { measureIdle } from './saga/idle';
import { describeMachine } from './saga/machine';
import { Meter } from './saga/measurement';
import { assertPlatformReady, platformServices, serviceNamed, type ServiceName } from './saga/platform';
import { markdown, type SagaBenchReport, writeResults } from './saga/report';
import { readSettings, SettingsError } from './saga/settings';
import { runStep, type StepPlan, type StepResult } from './saga/step';
import { ratiosForStep, setSampleRatio } from './saga/tracing-switch';

const log = (line: string) => void process.stdout.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const { apiKey, ...settings } = readSettings(process.env, process.argv.slice(2));
  const measuredAt = new Date().toISOString();
  const services = platformServices();
  const service = (name: ServiceName) => serviceNamed(services, name);

  const catalogue = benchCatalogue(settings.products, settings.customers);
  const setupClient = new HttpClient(16);
  try {
    await assertPlatformReady(setupClient, services);
    log(`stocking ${settings.products} products and ${settings.customers} accounts`);
    await stockCatalogue(setupClient, { inventory: service('inventory').url, payment: service('payment').url }, catalogue, apiKey);
  } finally {
    setupClient.close();
  }

  const counters = await TransactionCounters.connect();
  const databases = await counters.describe(services.map((platformService) => platformService.databaseName));
  const orders = await OrderDatabase.connect(service('order').databaseUrl);
  const hops = await SagaHops.connect({ order: service('order').databaseUrl, inventory: service('inventory').databaseUrl, payment: service('payment').databaseUrl });
  try {
    const meter = new Meter(services, counters, orders);
    const idle = settings.idleSeconds > 0 ? await measureIdle(meter, settings.idleSeconds, settings.settleSeconds, log) : null;

    const rig = {
      orderUrl: service('order').url,
      nextOrder: orderGenerator(catalogue),
      orders,
      hops,
      meter,
      drainTimeoutSeconds: settings.drainTimeoutSeconds,
      settleSeconds: settings.settleSeconds,
      log,
    };
    const plans: StepPlan[] = settings.ratesPerSec.map((ratePerSec) => ({ kind: 'rate', ratePerSec, seconds: settings.stepSeconds, connections: settings.connections }));
    if (settings.burstOrders > 0) plans.push({ kind: 'burst', orders: settings.burstOrders, connections: settings.burstConnections });
    const steps: StepResult[] = [];
    const switchClient = new HttpClient(4);
    try {
      for (const [index, plan] of plans.entries()) {
        if (settings.compareTracing === null) {
          steps.push(await runStep(plan, rig));
          continue;
        }
        for (const sampleRatio of ratiosForStep(index, settings.compareTracing)) {
          await setSampleRatio(switchClient, services, sampleRatio, apiKey);
          log(`recording ${sampleRatio === 0 ? 'no trace' : sampleRatio === 1 ? 'every trace' : `${sampleRatio * 100}% of the traces`}`);
          steps.push({ ...(await runStep(plan, rig)), sampleRatio });
        }
      }
      // Every order traced again (a restart brings back the sampling the services are configured with).
      if (settings.compareTracing !== null) await setSampleRatio(switchClient, services, 1, apiKey);
    } finally {
      switchClient.close();
    }

    const report: SagaBenchReport = { measuredAt, machine: describeMachine(), databases, settings, idle, steps };
    const files = writeResults(report);
    process.stdout.write(`\n${markdown(report, services)}\n\n`);
    log(`written to ${files.join(' and ')}`);
  } finally {
    await orders.close();
    await hops.close();
    await counters.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) process.stderr.write(`[bench] ${error.message}\n`);
  else process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
