import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { answers } from '../../tools/stack/infrastructure';
import { ROOT } from '../../tools/stack/stack.config';
import { type Configuration, DESTINATION_PREFIX, destinationName, type KafkaConfiguration, type RabbitMqConfiguration, type RedisConfiguration } from './configurations';
import { fixedRateFor } from './fixed-rate';
import { KafkaAdmin } from './kafka';
import { runPhase } from './phase';
import { RabbitMqAdmin } from './rabbitmq';
import { describeRedisServer, launch, launchArguments, removeAppendDirectoryIfNew, restoreAppendOnly, setAppendOnly, shellWords, shutDown } from './redis-server';
import { connectRedis, REDIS_HOST, REDIS_PORT, RedisStreamAdmin } from './redis-streams';
import { type CheckResult, type ConfigurationResult, milliseconds, type PhaseResult, shapePhase } from './report';
import { ensureKafkaStarted, ensureRabbitMqStarted, KafkaNotOursError, kafkaAnswers, restartKafka, restartRabbitMq } from './restarts';
import type { BrokerBenchSettings } from './settings';

const run = promisify(execFile);

export interface RunContext {
  readonly settings: BrokerBenchSettings;
  /** Makes this run's destination names its own. */
  readonly runId: string;
  readonly log: (line: string) => void;
  /** Things a reader of the results needs to know, collected for the report. */
  readonly note: (line: string) => void;
}

export interface BrokerRun {
  readonly version: string;
  readonly results: ConfigurationResult[];
}

interface Destinations {
  create(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

type Measured = Pick<ConfigurationResult, 'saturation' | 'fixedRate'>;

const NOT_TRIED: CheckResult = { outcome: 'not tried', detail: 'BENCH_BROKER_RESTARTS=no' };
/** How long a check waits for a marker after a restart: queues and partitions take a moment to come back. */
const MARKER_TIMEOUT_MS = 30_000;
const RECOVERY_MIN_IDLE_MS = 1_000;
/**
 * A pause after each phase's destination is removed: Redis frees a deleted stream in a background
 * thread, and the next phase should not share the cores with that.
 */
const SETTLE_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describePhase(phase: PhaseResult): string {
  const rate = phase.offeredPerSec === null ? 'saturation' : `${phase.offeredPerSec}/s offered`;
  const problems = [
    phase.failedSends > 0 ? `${phase.failedSends} failed sends (first: ${phase.firstSendError})` : '',
    phase.lost > 0 ? `${phase.lost} never consumed` : '',
    phase.duplicates > 0 ? `${phase.duplicates} duplicates` : '',
  ].filter(Boolean);
  const lag = phase.sendLagMs
    ? ` (sent after the due time: p50 ${milliseconds(phase.sendLagMs.p50Ms)}, p99 ${milliseconds(phase.sendLagMs.p99Ms)} ms; ` +
      `in transit: p50 ${milliseconds(phase.transitMs.p50Ms)}, p99 ${milliseconds(phase.transitMs.p99Ms)} ms)`
    : '';
  return (
    `${rate}: published ${Math.round(phase.publishedPerSec)}/s, consumed ${Math.round(phase.consumedPerSec)}/s, ` +
    `p50 / p99 / max ${milliseconds(phase.latencyMs.p50Ms)} / ${milliseconds(phase.latencyMs.p99Ms)} / ${milliseconds(phase.latencyMs.maxMs)} ms${lag}` +
    (problems.length > 0 ? `; ${problems.join(', ')}` : '')
  );
}

/** Unmeasured saturation on the broker's first configuration: what follows meets a broker that has been working. */
async function warmUp(configuration: Configuration, destinations: Destinations, { settings, runId, log }: RunContext): Promise<void> {
  if (settings.warmUpSeconds === 0) return;
  const destination = destinationName(configuration, 'warm-up', runId);
  log(`warming ${configuration.broker} up: ${settings.warmUpSeconds} s of ${configuration.name} at saturation, not measured`);
  await destinations.create(destination);
  try {
    await runPhase(configuration, destination, { kind: 'saturation', seconds: settings.warmUpSeconds, ratePerSec: null, drainSeconds: settings.drainSeconds });
  } finally {
    await destinations.remove(destination);
    await sleep(SETTLE_MS);
  }
}

/** Saturation, then the fixed rate, each on a destination of its own that is removed after it. */
async function measurePhases(configuration: Configuration, destinations: Destinations, context: RunContext): Promise<Measured> {
  const { settings, runId, log, note } = context;
  const phase = async (kind: 'saturation' | 'fixed-rate', ratePerSec: number | null): Promise<PhaseResult> => {
    const destination = destinationName(configuration, kind, runId);
    await destinations.create(destination);
    try {
      const result = shapePhase(await runPhase(configuration, destination, { kind, seconds: settings.seconds, ratePerSec, drainSeconds: settings.drainSeconds }));
      log(`  ${configuration.name} ${describePhase(result)}`);
      return result;
    } finally {
      await destinations.remove(destination);
      await sleep(SETTLE_MS);
    }
  };
  const saturation = await phase('saturation', null);
  const ratePerSec = fixedRateFor(settings.ratePerSec, saturation);
  if (ratePerSec !== settings.ratePerSec) {
    note(`${configuration.name}: offered ${ratePerSec}/s at the fixed rate, not ${settings.ratePerSec}/s: that is more than half of what it carried at saturation`);
  }
  return { saturation, fixedRate: await phase('fixed-rate', ratePerSec) };
}

/**
 * RabbitMQ: each configuration measured, its replay tried; then one marker per configuration, one
 * restart of the RabbitMQ application for all of them, and a look for each marker.
 */
export async function benchRabbitMq(configurations: readonly RabbitMqConfiguration[], context: RunContext): Promise<BrokerRun> {
  const { settings, runId, log } = context;
  await deleteLeftoverQueues();
  let admin = await RabbitMqAdmin.connect();
  const version = admin.serverVersion;
  const survivalQueue = (configuration: Configuration) => destinationName(configuration, 'survival', runId);
  try {
    const queues = (configuration: RabbitMqConfiguration): Destinations => ({ create: (queue) => admin.createQueue(configuration, queue), remove: (queue) => admin.deleteQueues([queue]) });
    await warmUp(configurations[0], queues(configurations[0]), context);
    const measured: (Measured & { configuration: RabbitMqConfiguration; replay: CheckResult })[] = [];
    for (const configuration of configurations) {
      log(`${configuration.name}: ${configuration.label}`);
      const phases = await measurePhases(configuration, queues(configuration), context);
      const replayQueue = destinationName(configuration, 'replay', runId);
      const replay = await admin.checkReplay(configuration, replayQueue).finally(() => admin.deleteQueues([replayQueue]));
      measured.push({ configuration, ...phases, replay });
    }

    const survival = new Map<string, CheckResult>();
    if (settings.restarts) {
      const markers = new Map(configurations.map((configuration) => [configuration.name, `survival ${survivalQueue(configuration)}`]));
      for (const configuration of configurations) await admin.leaveMarker(configuration, survivalQueue(configuration), markers.get(configuration.name)!);
      await admin.close();
      log('restarting RabbitMQ (rabbitmqctl stop_app, start_app) with one marker message in each configuration');
      const began = performance.now();
      await restartRabbitMq().catch(async (error: unknown) => {
        await ensureRabbitMqStarted();
        admin = await RabbitMqAdmin.connect(); // for the clean-up below
        throw error;
      });
      log(`  RabbitMQ accepted connections again after ${((performance.now() - began) / 1000).toFixed(1)} s`);
      admin = await RabbitMqAdmin.connect();
      for (const configuration of configurations) {
        survival.set(configuration.name, await admin.findMarker(survivalQueue(configuration), markers.get(configuration.name)!, MARKER_TIMEOUT_MS));
      }
    }
    return {
      version,
      results: measured.map((result) => ({ ...result, refused: null, recovery: null, survivesRestart: survival.get(result.configuration.name) ?? NOT_TRIED })),
    };
  } finally {
    await admin.deleteQueues(configurations.map(survivalQueue));
    await admin.close();
  }
}

/** Queues of an earlier run that was interrupted before it could delete them. */
async function deleteLeftoverQueues(): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['list_queues', '--quiet', '--no-table-headers', 'name'], { timeout: 60_000 });
  const leftovers = stdout.split('\n').map((line) => line.trim()).filter((name) => name.startsWith(DESTINATION_PREFIX));
  if (leftovers.length === 0) return;
  const admin = await RabbitMqAdmin.connect();
  try {
    await admin.deleteQueues(leftovers);
  } finally {
    await admin.close();
  }
}

/** The Kafka version scripts/kafka.sh runs: the one infra/kafka/pom.xml names. */
function kafkaVersion(): string {
  const pom = readFileSync(path.join(ROOT, 'infra', 'kafka', 'pom.xml'), 'utf8');
  return /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1] ?? 'unknown';
}

/**
 * Kafka: each configuration measured, its replay tried; then one marker per configuration, one
 * restart of the broker (scripts/kafka.sh stop, start) for all of them, and a look for each marker.
 */
export async function benchKafka(configurations: readonly KafkaConfiguration[], context: RunContext): Promise<BrokerRun> {
  const { settings, runId, log } = context;
  let admin = await KafkaAdmin.connect();
  const created: string[] = [];
  const track = (topic: string) => (created.push(topic), topic);
  try {
    await admin.deleteTopicsStartingWith(DESTINATION_PREFIX);
    const topics: Destinations = { create: (topic) => admin.createTopic(track(topic)), remove: (topic) => admin.deleteTopics([topic]) };
    await warmUp(configurations[0], topics, context);
    const measured: (Measured & { configuration: KafkaConfiguration; replay: CheckResult })[] = [];
    for (const configuration of configurations) {
      log(`${configuration.name}: ${configuration.label}`);
      const phases = await measurePhases(configuration, topics, context);
      const replayTopic = track(destinationName(configuration, 'replay', runId));
      const replay = await admin.checkReplay(configuration, replayTopic).finally(() => admin.deleteTopics([replayTopic]));
      measured.push({ configuration, ...phases, replay });
    }

    const survival = new Map<string, CheckResult>();
    if (settings.restarts) {
      const markers = new Map(configurations.map((configuration) => [configuration.name, `survival ${destinationName(configuration, 'survival', runId)}`]));
      for (const configuration of configurations) {
        await admin.leaveMarker(configuration, track(destinationName(configuration, 'survival', runId)), markers.get(configuration.name)!);
      }
      await admin.close();
      log('restarting Kafka (scripts/kafka.sh stop, start) with one marker message in each configuration');
      const began = performance.now();
      const refused = await restartKafka().then(
        () => null,
        async (error: unknown) => {
          await ensureKafkaStarted();
          if (error instanceof KafkaNotOursError) return error.message;
          admin = await KafkaAdmin.connect(); // for the clean-up below
          throw error;
        },
      );
      admin = await KafkaAdmin.connect();
      if (refused) {
        log(`  not restarted: ${refused}`);
        for (const { name } of configurations) survival.set(name, { outcome: 'not allowed', detail: refused });
      } else {
        log(`  Kafka answered again after ${((performance.now() - began) / 1000).toFixed(1)} s`);
        for (const configuration of configurations) {
          survival.set(configuration.name, await admin.findMarker(destinationName(configuration, 'survival', runId), markers.get(configuration.name)!, MARKER_TIMEOUT_MS));
        }
      }
    }
    return {
      version: kafkaVersion(),
      results: measured.map((result) => ({ ...result, refused: null, recovery: null, survivesRestart: survival.get(result.configuration.name) ?? NOT_TRIED })),
    };
  } finally {
    if (await kafkaAnswers()) await admin.deleteTopics(created);
    await admin.close();
  }
}

/**
 * Redis Streams: the server as it runs, then with AOF everysec turned on for the run. Each
 * configuration's survival check restarts the server the way that configuration runs it (the
 * original settings; the same with AOF on, so the AOF is loaded), and the server is left as it was
 * found: the original settings, and no AOF directory it did not have.
 */
export async function benchRedis(configurations: readonly RedisConfiguration[], context: RunContext): Promise<BrokerRun> {
  const { settings, runId, log, note } = context;
  let admin = await RedisStreamAdmin.connect();
  const server = await describeRedisServer(admin.redis);
  const originalLaunch = launchArguments(server.settings);
  log(`Redis ${server.version} (pid ${server.pid}) runs as ${server.programName} ${shellWords(originalLaunch)} would start it`);
  /** How the server differs from how it was found, and so what undoes it. */
  let changed: 'nothing' | 'config-set' | 'relaunched' = 'nothing';
  const reconnect = async () => {
    admin.redis.disconnect();
    admin = await RedisStreamAdmin.connect();
  };
  try {
    await admin.deleteStreamsStartingWith(DESTINATION_PREFIX);
    const streams: Destinations = { create: (stream) => admin.createStream(stream), remove: (stream) => admin.deleteStreams([stream]) };
    await warmUp(configurations[0], streams, context);
    const results: ConfigurationResult[] = [];
    for (const configuration of configurations) {
      log(`${configuration.name}: ${configuration.label}`);
      const aof = configuration.persistence === 'aof-everysec';
      if (aof) {
        changed = changed === 'nothing' ? 'config-set' : changed;
        const refused = await setAppendOnly(admin.redis).then(
          () => null,
          (error: Error) => error.message,
        );
        if (refused) {
          note(`${configuration.name}: not measured, the server refused CONFIG SET appendonly yes: ${refused}`);
          const notAllowed: CheckResult = { outcome: 'not allowed', detail: refused };
          results.push({ configuration, saturation: null, fixedRate: null, refused, survivesRestart: notAllowed, replay: notAllowed, recovery: null });
          continue;
        }
      }
      const phases = await measurePhases(configuration, streams, context);
      const [replayStream, recoveryStream, survivalStream] = ['replay', 'recovery', 'survival'].map((purpose) => destinationName(configuration, purpose, runId));
      const replay = await admin.checkReplay(replayStream).finally(() => admin.deleteStreams([replayStream]));
      const recovery = await admin.recoverUnacked(recoveryStream, RECOVERY_MIN_IDLE_MS).finally(() => admin.deleteStreams([recoveryStream]));
      log(`  unacked entry recovered: ${recovery.outcome} (${recovery.detail})`);

      let survivesRestart = NOT_TRIED;
      if (settings.restarts) {
        const marker = `survival ${survivalStream}`;
        await admin.leaveMarker(survivalStream, marker);
        const relaunch = aof ? launchArguments(server.settings, { appendonly: 'yes', appendfsync: 'everysec' }) : originalLaunch;
        log(`restarting Redis (SHUTDOWN, then ${shellWords(relaunch)}) with a marker entry`);
        changed = 'relaunched';
        await shutDown(admin.redis, 'as-configured');
        await launch(server, relaunch);
        if (!aof) changed = 'nothing';
        await reconnect();
        survivesRestart = await admin.findMarker(survivalStream, marker);
        await admin.deleteStreams([survivalStream]);
      }
      results.push({ configuration, ...phases, refused: null, replay, recovery, survivesRestart });
    }
    return { version: server.version, results };
  } finally {
    if (changed === 'config-set') {
      log(`restoring Redis: CONFIG SET appendonly ${server.settings.appendonly}, appendfsync ${server.settings.appendfsync}`);
      await restoreAppendOnly(admin.redis, server);
    }
    if (changed === 'relaunched') {
      log(`restoring Redis: its own persistence settings, SHUTDOWN, then ${shellWords(originalLaunch)}`);
      // After a failed relaunch nothing may be running: then there is nothing to shut down, only to launch.
      // The shutdown saves what the server holds now if its own settings say so (save points), as any
      // restart of it would; NOSAVE would bring back an older snapshot instead.
      if (await answers(REDIS_HOST, REDIS_PORT)) {
        const stopping = connectRedis('bench.brokers restore');
        await restoreAppendOnly(stopping, server)
          .then(() => shutDown(stopping, 'as-configured'))
          .finally(() => stopping.disconnect());
      }
      await launch(server, originalLaunch);
      await reconnect();
    }
    const removed = removeAppendDirectoryIfNew(server);
    if (removed) log(`removed ${removed}, which turning AOF on had created`);
    await admin.close();
  }
}
