#!/usr/bin/env bash
# A real Kafka without Docker: Apache Kafka's jars from Maven Central, run as KRaft nodes that are
# both broker and controller, on loopback. Every command is idempotent.
#   KAFKA_PORT (9092)  the first node's client port; its controller listens on the port after it.
#                      Another port runs a separate Kafka with its own storage (the e2e stack's).
#   KAFKA_NODES (1)    3 runs a cluster: node n on KAFKA_PORT + 2(n-1) (controller on the port after),
#                      with three replicas of every topic and min.insync.replicas 2.
#   scripts/kafka.sh install   resolve the jars into .cache/kafka/<version>/libs (needs Maven, once)
#   scripts/kafka.sh start     install if needed, format storage if new, start every node that is
#                              down (so it also brings back a killed node), wait until all answer
#   scripts/kafka.sh stop      stop the nodes this script started
#   scripts/kafka.sh status    say whether every node answers
#   scripts/kafka.sh pid N     print the process id of node N
#   scripts/kafka.sh controller  print the id of the active controller (the KRaft quorum's leader)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/infra/kafka/pom.xml")
cache="$root/.cache/kafka"
libs="$cache/$version/libs"
port=${KAFKA_PORT:-9092}
nodes=${KAFKA_NODES:-1}
[[ "$nodes" =~ ^[13]$ ]] || { echo "kafka: KAFKA_NODES must be 1 or 3 (got \"$nodes\")" >&2; exit 2; }
java_opts=(-Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$root/infra/kafka/log4j.properties")

fail() { echo "kafka: $*" >&2; exit 1; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# How messages name node $1: a single broker is just "kafka:", as it always was.
node_label() { [ "$nodes" = 1 ] || echo "node $1 "; }

# Where node $1 listens and keeps its files: one node keeps the paths it always had.
node_port() { echo $((port + 2 * ($1 - 1))); }
node_files() {
  local n=$1
  if [ "$nodes" = 1 ]; then
    local suffix=""; [ "$port" = 9092 ] || suffix="-$port"
    data="$cache/data$suffix" log="$cache/kafka$suffix.log" properties="$cache/server$suffix.properties"
    pid_file="$root/.run/kafka$suffix.pid"
  else
    local dir="$cache/cluster-$port"
    data="$dir/node$n" log="$dir/node$n.log" properties="$dir/node$n.properties"
    pid_file="$root/.run/kafka-cluster-$port-$n.pid"
  fi
}

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

# The nodes of one cluster are formatted with one cluster id, kept beside their storage.
cluster_id() {
  local file="$cache/cluster-$port/cluster-id"
  [ "$nodes" = 1 ] && file="$data.cluster-id"
  if [ ! -s "$file" ]; then
    local id
    id=$(java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool random-uuid | tail -1)
    [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || fail "could not generate a cluster id (got \"$id\")"
    echo "$id" > "$file"
  fi
  cat "$file"
}

write_properties() {
  local n=$1 p; p=$(node_port "$n")
  mkdir -p "$(dirname "$properties")"
  { sed -e "s/:9092/:$p/g" -e "s/:9093/:$((p + 1))/g" "$root/infra/kafka/server.properties"
    echo "log.dirs=$data"
    if [ "$nodes" != 1 ]; then
      local voters="" i
      for i in $(seq 1 "$nodes"); do voters+="${voters:+,}$i@127.0.0.1:$(($(node_port "$i") + 1))"; done
      # Later keys win: the cluster's own identity and replication.
      echo "node.id=$n"
      echo "controller.quorum.voters=$voters"
      cat "$root/infra/kafka/cluster.properties"
    fi; } > "$properties"
}

start_node() {
  local n=$1 p; p=$(node_port "$n")
  node_files "$n"
  if answers "$p"; then echo "kafka: $(node_label "$n")already answering on 127.0.0.1:$p"; return 0; fi
  install
  write_properties "$n"
  if [ ! -f "$data/meta.properties" ]; then
    mkdir -p "$data"
    local id; id=$(cluster_id) || exit 1
    java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format -t "$id" -c "$properties" >/dev/null
  fi
  echo "kafka: starting $version (KRaft) $(node_label "$n")on 127.0.0.1:$p, log in $log"
  nohup java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$properties" >"$log" 2>&1 &
  echo $! > "$pid_file"
}

await_node() {
  local n=$1 p; p=$(node_port "$n")
  node_files "$n"
  for _ in $(seq 1 180); do
    if [ -f "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      tail -20 "$log" >&2; fail "$(node_label "$n")exited during start-up (full log: $log)"
    fi
    if answers "$p" && { [ ! -f "$log" ] || grep -q "Kafka Server started" "$log"; }; then return 0; fi
    sleep 0.5
  done
  fail "$(node_label "$n")no answer on 127.0.0.1:$p after 90 s (log: $log)"
}

start() {
  mkdir -p "$cache" "$root/.run"
  # All nodes first, then the waits: a cluster's controllers elect a leader only once a majority runs.
  for n in $(seq 1 "$nodes"); do start_node "$n"; done
  for n in $(seq 1 "$nodes"); do await_node "$n"; done
  echo "kafka: ready"
}

stop_node() {
  local n=$1 p; p=$(node_port "$n")
  node_files "$n"
  if [ ! -f "$pid_file" ]; then
    if answers "$p"; then
      echo "kafka: $(node_label "$n")not started by this script; the broker answering on 127.0.0.1:$p was started elsewhere (another checkout?): stop it there"
    else
      echo "kafka: $(node_label "$n")not started by this script"
    fi
    return 0
  fi
  local pid; pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "kafka: $(node_label "$n")no clean stop after 30 s, killing"; kill -9 "$pid"; }
  fi
  rm -f "$pid_file"
  echo "kafka: $(node_label "$n")stopped"
}

stop() {
  # Every node at once: stopped one by one, the last could not finish its controlled shutdown
  # without a majority of controllers, and would wait for one until killed.
  local n pids=() failed=0
  for n in $(seq 1 "$nodes"); do stop_node "$n" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

status() {
  local down=0 n
  for n in $(seq 1 "$nodes"); do
    if answers "$(node_port "$n")"; then echo "kafka: $(node_label "$n")answering on 127.0.0.1:$(node_port "$n")"
    else echo "kafka: $(node_label "$n")not running"; down=1; fi
  done
  return $down
}

# Each node keeps the quorum's latest leader and epoch in a file; the newest epoch among the
# running nodes names the active controller.
controller() {
  local n best_epoch=-1 leader=""
  for n in $(seq 1 "$nodes"); do
    node_files "$n"
    answers "$(node_port "$n")" && [ -f "$data/__cluster_metadata-0/quorum-state" ] || continue
    local state epoch id
    state=$(cat "$data/__cluster_metadata-0/quorum-state")
    epoch=$(sed -n 's/.*"leaderEpoch":\(-\?[0-9]*\).*/\1/p' <<<"$state")
    id=$(sed -n 's/.*"leaderId":\(-\?[0-9]*\).*/\1/p' <<<"$state")
    if [ -n "$epoch" ] && [ "$epoch" -gt "$best_epoch" ] && [ "$id" -ge 1 ]; then best_epoch=$epoch leader=$id; fi
  done
  [ -n "$leader" ] || fail "no running node knows a controller"
  echo "$leader"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  pid)
    [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$nodes" ] || fail "pid takes a node number from 1 to $nodes"
    node_files "$2"; [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null || fail "node $2 is not running"
    cat "$pid_file" ;;
  controller) controller ;;
  *) echo "usage: [KAFKA_PORT=p] [KAFKA_NODES=1|3] scripts/kafka.sh install|start|stop|status|pid N|controller" >&2; exit 2 ;;
esac
