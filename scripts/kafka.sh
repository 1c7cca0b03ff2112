#!/usr/bin/env bash
# A real Kafka broker without Docker: Apache Kafka's jars from Maven Central, run as one KRaft node
# on 127.0.0.1:9092. Every command is idempotent. KAFKA_PORT runs a second, separate broker on
# another port (its controller on the port after it), with its own storage: the e2e stack's.
#   scripts/kafka.sh install   resolve the jars into .cache/kafka/<version>/libs (needs Maven, once)
#   scripts/kafka.sh start     install if needed, format storage if new, start, wait until it answers
#   scripts/kafka.sh stop      stop the broker this script started
#   scripts/kafka.sh status    say whether a broker answers on the port
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/infra/kafka/pom.xml")
cache="$root/.cache/kafka"
libs="$cache/$version/libs"
port=${KAFKA_PORT:-9092}
controller_port=$((port + 1))
if [ "$port" = 9092 ]; then suffix=""; else suffix="-$port"; fi
data="$cache/data$suffix"
log="$cache/kafka$suffix.log"
properties="$cache/server$suffix.properties"
pid_file="$root/.run/kafka$suffix.pid"
java_opts=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$root/infra/kafka/log4j.properties")

fail() { echo "kafka: $*" >&2; exit 1; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

install() {
  [ -f "$libs/.complete" ] && return 0
  command -v java >/dev/null || fail "java not found: install a JDK 17+ (e.g. apt-get install -y openjdk-17-jre-headless)"
  command -v mvn >/dev/null || fail "mvn not found: Maven fetches Kafka $version from Maven Central (apt-get install -y maven)"
  echo "kafka: resolving Apache Kafka $version from Maven Central into $libs"
  rm -rf "$libs" && mkdir -p "$libs"
  mvn -q -B -Dstyle.color=never -f "$root/infra/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" || fail "Maven could not resolve Kafka $version"
  touch "$libs/.complete"
}

format_storage() {
  [ -f "$data/meta.properties" ] && return 0
  mkdir -p "$data"
  local cluster_id
  cluster_id=$(java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool random-uuid)
  java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$properties" >/dev/null
}

start() {
  if answers; then echo "kafka: already answering on 127.0.0.1:$port"; return 0; fi
  install
  mkdir -p "$cache" "$root/.run"
  { sed -e "s/:9092/:$port/g" -e "s/:9093/:$controller_port/g" "$root/infra/kafka/server.properties"
    echo "log.dirs=$data"; } > "$properties"
  format_storage
  echo "kafka: starting $version (KRaft) on 127.0.0.1:$port, log in $log"
  nohup java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$properties" >"$log" 2>&1 &
  echo $! > "$pid_file"
  for _ in $(seq 1 120); do
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      tail -20 "$log" >&2; fail "the broker exited during start-up (full log: $log)"
    fi
    if answers && grep -q "Kafka Server started" "$log"; then echo "kafka: ready"; return 0; fi
    sleep 0.5
  done
  fail "no answer on 127.0.0.1:$port after 60 s (log: $log)"
}

stop() {
  if [ ! -f "$pid_file" ]; then
    if answers; then
      echo "kafka: not started by this script; the broker answering on 127.0.0.1:$port was started elsewhere (another checkout?): stop it there"
    else
      echo "kafka: not started by this script"
    fi
    return 0
  fi
  local pid; pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "kafka: no clean stop after 30 s, killing"; kill -9 "$pid"; }
  fi
  rm -f "$pid_file"
  echo "kafka: stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if answers; then echo "kafka: answering on 127.0.0.1:$port"; else echo "kafka: not running"; exit 1; fi ;;
  *) echo "usage: scripts/kafka.sh install|start|stop|status" >&2; exit 2 ;;
esac
