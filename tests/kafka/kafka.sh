#!/usr/bin/env bash
# A real Apache Kafka (KRaft) on 127.0.0.1 for the integration tests, one
# node, run from Maven Central's jars with Java 17: no Docker needed. (The
# fault suite's 3-broker cluster is docker-compose.yml's profile three,
# booted from these jars by tests/compose/boot.py.)
#
#   kafka.sh fetch           copy the jars into the cache (once; later free)
#   kafka.sh lib             print the cached jar folder (fetching if needed)
#   kafka.sh start DIR       format and start a broker whose state lives in
#                            DIR (created; must not hold a running broker);
#                            prints its bootstrap address alone on stdout
#                            once it answers metadata requests
#   kafka.sh stop [--keep-log] DIR
#                            stop it cleanly (SIGTERM, then SIGKILL after
#                            30 s), remove DIR, or all of it but its logs (*.log)
#   kafka.sh run CLASS ARGS  run one of Kafka's tools (a Java main class,
#                            e.g. org.apache.kafka.tools.consumer.ConsoleConsumer)
#   kafka.sh version         print the Kafka version
#
# The jars go to ${XDG_CACHE_HOME:-$HOME/.cache}/events/kafka-VERSION/lib;
# pom.xml next to this script lists them. Two brokers can run at once: each
# takes free ports. When a broker cannot start, `start` exits 1, keeps DIR
# and prints where its log is.
#
# Environment: KAFKA_START_TIMEOUT (seconds to wait for the first metadata
# answer, default 60: the machine may be busy), JAVA (default java),
# KAFKA_HEAP (default -Xmx512m).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=kafka.sh
JAVA=${JAVA:-java}
KAFKA_HEAP=${KAFKA_HEAP:--Xmx512m}
start_timeout=${KAFKA_START_TIMEOUT:-60}

die() {
        echo "$prog: $*" >&2
        exit 1
}

kafka_version() {
        sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml"
}

version=$(kafka_version)
[ -n "$version" ] || die "no <kafka.version> in $here/pom.xml"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/events/kafka-$version
lib=$cache/lib

# The jars are complete when lib/.pom holds the pom they were fetched with:
# an interrupted download, or an edited pom, fetches again. A lock keeps
# two runs from fetching into the same folder at once.
fetch() {
        local want tmp
        want=$(sha256sum <"$here/pom.xml" | cut -d' ' -f1)
        if [ "$(cat "$lib/.pom" 2>/dev/null)" = "$want" ]; then
                return 0
        fi
        command -v mvn >/dev/null || die "mvn is not installed (scripts/deps.sh test installs maven)"
        mkdir -p "$cache"
        exec 9>"$cache/.lock"
        flock 9
        if [ "$(cat "$lib/.pom" 2>/dev/null)" != "$want" ]; then
                echo "$prog: fetching Kafka $version's jars from Maven Central into $lib" >&2
                tmp=$(mktemp -d "$cache/lib.XXXXXX")
                if ! mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
                        -DincludeScope=runtime -DoutputDirectory="$tmp" \
                        >"$cache/fetch.log" 2>&1; then
                        rm -rf "$tmp"
                        tail -n 30 "$cache/fetch.log" >&2
                        die "mvn could not fetch the jars; its log: $cache/fetch.log"
                fi
                echo "$want" >"$tmp/.pom"
                rm -rf "$lib"
                mv "$tmp" "$lib"
        fi
        exec 9>&-
}

# N free TCP ports on 127.0.0.1, held together while chosen so
# that they differ. Another process could take one before the broker binds
# it; then the broker fails to start and says so in its log.
free_ports() {
        python3 - "${1:-2}" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

java_tool() {
        "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
                -Dlog4j2.configurationFile="$here/tools-log4j2.properties" \
                -cp "$lib/*" "$@"
}

# Succeeds when the broker at $1 answers a metadata request with broker
# $2 in its broker list.
answers_metadata() {
        local out
        out=$(timeout 10 kcat -b "$1" -L -m 3 -J 2>/dev/null) || return 1
        python3 -c '
import json, sys
md = json.loads(sys.argv[1])
sys.exit(0 if int(sys.argv[2]) in [b["id"] for b in md.get("brokers", [])] else 1)
' "$out" "$2"
}

# write_props DIR ID BROKER_PORT CONTROLLER_PORT VOTERS: DIR/server.properties
write_props() {
        sed -e "s|@BROKER_PORT@|$3|g" \
                -e "s|@CONTROLLER_PORT@|$4|g" \
                -e "s|@NODE_ID@|$2|g" \
                -e "s|@VOTERS@|$5|g" \
                -e "s|@DATA_DIR@|$1/data|g" \
                "$here/server.properties.in" >"$1/server.properties"
}

# format DIR CLUSTER_ID: format DIR/data for the cluster
format() {
        java_tool kafka.tools.StorageTool format -t "$2" \
                -c "$1/server.properties" >>"$1/format.log" 2>&1 ||
                { tail -n 20 "$1/format.log" >&2; die "formatting the storage failed; log: $1/format.log"; }
}

new_cluster_id() {
        java_tool kafka.tools.StorageTool random-uuid 2>>"$1/format.log" ||
                { cat "$1/format.log" >&2; die "StorageTool random-uuid failed; log: $1/format.log"; }
}

# launch DIR: start the node of DIR/server.properties in the background
# (its data as formatted), and record its pid and address.
launch() {
        local dir=$1 port
        port=$(sed -n 's|^advertised.listeners=PLAINTEXT://127.0.0.1:||p' "$dir/server.properties")
        # The broker's stdout and stderr go to a file: a caller reading our
        # stdout through $(...) must not wait for the broker to exit.
        "$JAVA" "$KAFKA_HEAP" -XX:+UseSerialGC \
                -Dlog4j2.configurationFile="$here/log4j2.properties" \
                -Dkafka.logs.dir="$dir" \
                -cp "$lib/*" kafka.Kafka "$dir/server.properties" \
                >>"$dir/stdout.log" 2>&1 </dev/null &
        echo $! >"$dir/pid"
        echo "127.0.0.1:$port" >"$dir/bootstrap"
}

# await DIR: wait until the node of DIR answers metadata with itself.
# Returns 2 when the node exited for a port another process took, dies on
# any other failure.
await() {
        local dir=$1 pid addr id deadline
        pid=$(cat "$dir/pid")
        addr=$(cat "$dir/bootstrap")
        id=$(sed -n 's/^node.id=//p' "$dir/server.properties")
        deadline=$((SECONDS + start_timeout))
        until answers_metadata "$addr" "$id"; do
                if ! kill -0 "$pid" 2>/dev/null; then
                        if grep -qs 'Address already in use' "$dir/server.log" "$dir/stdout.log"; then
                                echo "$prog: a port of $dir was taken meanwhile" >&2
                                return 2
                        fi
                        tail -n 30 "$dir/server.log" "$dir/stdout.log" >&2 2>/dev/null || true
                        die "the broker exited while starting; its log: $dir/server.log (and $dir/stdout.log)"
                fi
                if [ "$SECONDS" -ge "$deadline" ]; then
                        kill -KILL "$pid" 2>/dev/null || true
                        tail -n 30 "$dir/server.log" >&2 2>/dev/null || true
                        die "the broker did not answer metadata within ${start_timeout}s; its log: $dir/server.log"
                fi
                sleep 0.2
        done
}

# One attempt to start a broker from DIR. Returns 2 when another process
# took one of the chosen ports first (worth another attempt), dies on any
# other failure.
start_once() {
        local dir=$1 broker_port controller_port cluster_id status=0
        rm -rf "$dir/data" "$dir/server.log" "$dir/stdout.log" "$dir/format.log"
        read -r broker_port controller_port < <(free_ports 2)
        [ -n "${controller_port:-}" ] || die "cannot find free ports (python3 missing?)"
        write_props "$dir" 1 "$broker_port" "$controller_port" \
                "1@127.0.0.1:$controller_port"
        # Format the storage with a fresh cluster id. No --standalone: the
        # quorum is given by controller.quorum.voters.
        cluster_id=$(new_cluster_id "$dir")
        format "$dir" "$cluster_id"
        launch "$dir"
        await "$dir" || status=$?
        [ "$status" -eq 0 ] || return "$status"
        cat "$dir/bootstrap"
}

prepare() {
        command -v "$JAVA" >/dev/null || die "$JAVA is not installed (Java 17)"
        command -v kcat >/dev/null || die "kcat is not installed"
        fetch
}

running() {
        [ -f "$1/pid" ] && kill -0 "$(cat "$1/pid")" 2>/dev/null
}

start() {
        local dir=$1 attempt status
        prepare
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd)
        if running "$dir"; then
                die "a broker already runs from $dir (pid $(cat "$dir/pid"))"
        fi
        for attempt in 1 2 3; do
                status=0
                start_once "$dir" || status=$?
                [ "$status" -eq 2 ] || return "$status"
        done
        die "no free ports after 3 attempts; the last log: $dir/server.log"
}

# halt DIR: SIGTERM, then SIGKILL after 30 s. Returns 1 when SIGKILL was
# needed.
halt() {
        local dir=$1 pid i
        [ -f "$dir/pid" ] || die "no broker in $dir"
        pid=$(cat "$dir/pid")
        kill -TERM "$pid" 2>/dev/null || return 0
        # A controlled shutdown takes a few seconds.
        for i in $(seq 1 300); do
                kill -0 "$pid" 2>/dev/null || return 0
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        echo "$prog: the broker (pid $pid) ignored SIGTERM for 30 s and was killed; its log: $dir/server.log" >&2
        return 1
}

stop() {
        local keep_log=0 dir
        if [ "${1:-}" = --keep-log ]; then
                keep_log=1
                shift
        fi
        dir=${1:?usage: kafka.sh stop [--keep-log] DIR}
        [ -d "$dir" ] || die "no broker folder $dir"
        if [ -f "$dir/pid" ]; then
                halt "$dir" || keep_log=1
        fi
        if [ "$keep_log" -eq 1 ]; then
                find "$dir" -mindepth 1 -maxdepth 1 ! -name '*.log' \
                        -exec rm -rf {} +
                echo "$prog: the broker's logs are kept in $dir/:" \
                        "$(cd "$dir" && echo *.log)" >&2
        else
                rm -rf "$dir"
        fi
}

case "${1:-}" in
fetch) fetch ;;
lib) fetch && echo "$lib" ;;
version) echo "$version" ;;
start)
        [ $# -eq 2 ] || die "usage: kafka.sh start DIR"
        start "$2"
        ;;
stop)
        shift
        stop "$@"
        ;;
run)
        shift
        [ $# -ge 1 ] || die "usage: kafka.sh run CLASS [ARGS...]"
        fetch
        java_tool "$@"
        ;;
*)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
        exit 64
        ;;
esac
