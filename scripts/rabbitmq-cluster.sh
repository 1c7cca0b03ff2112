#!/usr/bin/env bash
# A three-node RabbitMQ cluster on loopback, beside (and apart from) the machine's own broker:
# node n is cluster-<port>-n@localhost, takes AMQP on RABBITMQ_CLUSTER_PORT + n - 1 (5682 by
# default) and keeps its files in .cache/rabbitmq/cluster-<port>/. Runs the machine's
# rabbitmq-server as this user, with its own Erlang cookie, config and no plugins. Idempotent.
#   scripts/rabbitmq-cluster.sh start    start every node that is down (so it also brings back a
#                                        killed one), join new nodes to node 1, wait until all run
#   scripts/rabbitmq-cluster.sh stop     stop the nodes
#   scripts/rabbitmq-cluster.sh status   say which nodes run
#   scripts/rabbitmq-cluster.sh pid N    print the process id of node N
#   scripts/rabbitmq-cluster.sh ctl N …  rabbitmqctl against node N
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${RABBITMQ_CLUSTER_PORT:-5682}
nodes=3
dir="$root/.cache/rabbitmq/cluster-$port"
bin=/usr/lib/rabbitmq/bin

fail() { echo "rabbitmq-cluster: $*" >&2; exit 1; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
node_name() { echo "cluster-$port-$1@localhost"; }
node_port() { echo $((port + $1 - 1)); }

# What every command of ours runs with: this cluster's cookie (HOME), not the machine broker's env file.
export HOME="$dir" RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" ERL_EPMD_ADDRESS=127.0.0.1
ctl() { local n=$1; shift; "$bin/rabbitmqctl" -q -n "$(node_name "$n")" "$@"; }

prepare() {
  [ -x "$bin/rabbitmq-server" ] || fail "rabbitmq-server not found in $bin: apt-get install -y rabbitmq-server"
  mkdir -p "$dir"
  if [ ! -f "$dir/.erlang.cookie" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/.erlang.cookie"
    chmod 400 "$dir/.erlang.cookie"
  fi
  : > "$dir/rabbitmq-env.conf"
  echo "[]." > "$dir/enabled_plugins"
}

start_node() {
  local n=$1 p; p=$(node_port "$n")
  if answers "$p"; then echo "rabbitmq-cluster: node $n already answering on 127.0.0.1:$p"; return 0; fi
  mkdir -p "$dir/node$n"
  cat > "$dir/node$n.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$p
loopback_users.guest = true
log.file.level = warning
# New queues spread their leaders over the nodes, not all on the node their declarer is connected to.
queue_leader_locator = balanced
CONF
  echo "rabbitmq-cluster: starting node $n ($(node_name "$n")) on 127.0.0.1:$p, logs in $dir/node$n/log"
  RABBITMQ_NODENAME="$(node_name "$n")" RABBITMQ_NODE_PORT="$p" RABBITMQ_DIST_PORT=$((p + 20000)) \
    RABBITMQ_CONFIG_FILE="$dir/node$n.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
    RABBITMQ_MNESIA_BASE="$dir/node$n/mnesia" RABBITMQ_LOG_BASE="$dir/node$n/log" \
    RABBITMQ_PID_FILE="$dir/node$n.pid" RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    nohup "$bin/rabbitmq-server" > "$dir/node$n.out" 2>&1 &
}

await_node() {
  local n=$1 deadline=$((SECONDS + 90))
  while [ $SECONDS -lt $deadline ]; do
    # await_startup gives up at once on a node that has not registered with epmd yet.
    ctl "$n" await_startup --timeout 10 >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  tail -20 "$dir/node$n.out" >&2; fail "node $n did not start in 90 s (see $dir/node$n/log)"
}

members() { ctl "$1" cluster_status --formatter json 2>/dev/null | grep -o '"disk_nodes":\[[^]]*\]' || true; }

# A node that is not yet a member joins node 1; a node that was killed and comes back is one
# already, and rejoins by itself. If joining fails the node's app is started again as it was.
join() {
  local n=$1
  members "$n" | grep -q "\"$(node_name 1)\"" && return 0
  ctl "$n" stop_app
  if ! ctl "$n" join_cluster "$(node_name 1)"; then
    ctl "$n" start_app || true
    fail "node $n could not join $(node_name 1)"
  fi
  ctl "$n" start_app
}

start() {
  prepare
  local n
  for n in $(seq 1 $nodes); do start_node "$n"; done
  for n in $(seq 1 $nodes); do await_node "$n"; done
  for n in $(seq 2 $nodes); do join "$n"; done
  for n in $(seq 1 $nodes); do answers "$(node_port "$n")" || fail "node $n does not take AMQP on $(node_port "$n")"; done
  echo "rabbitmq-cluster: ready: $(for n in $(seq 1 $nodes); do printf 'amqp://127.0.0.1:%s ' "$(node_port "$n")"; done)"
}

pid_of() { [ -f "$dir/node$1.pid" ] && kill -0 "$(cat "$dir/node$1.pid")" 2>/dev/null && cat "$dir/node$1.pid"; }

stop() {
  local n
  for n in $(seq 1 $nodes); do
    if pid_of "$n" >/dev/null; then ctl "$n" stop >/dev/null 2>&1 & fi
  done
  wait
  for n in $(seq 1 $nodes); do
    local pid; pid=$(pid_of "$n") || continue
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { echo "rabbitmq-cluster: node $n did not stop in 30 s, killing"; kill -9 "$pid"; }
  done
  echo "rabbitmq-cluster: stopped"
}

status() {
  local down=0 n
  for n in $(seq 1 $nodes); do
    if answers "$(node_port "$n")"; then echo "rabbitmq-cluster: node $n answering on 127.0.0.1:$(node_port "$n")"
    else echo "rabbitmq-cluster: node $n not running"; down=1; fi
  done
  return $down
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  pid)
    [[ "${2:-}" =~ ^[1-3]$ ]] || fail "pid takes a node number from 1 to $nodes"
    pid_of "$2" || fail "node $2 is not running" ;;
  ctl)
    [[ "${2:-}" =~ ^[1-3]$ ]] || fail "ctl takes a node number from 1 to $nodes"
    n=$2; shift 2; ctl "$n" "$@" ;;
  *) echo "usage: [RABBITMQ_CLUSTER_PORT=p] scripts/rabbitmq-cluster.sh start|stop|status|pid N|ctl N …" >&2; exit 2 ;;
esac
