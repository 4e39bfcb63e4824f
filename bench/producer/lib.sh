# bench/producer/lib.sh - what the producer benchmarks share, sourced by
# bench/producer/run and bench/producer/instructions-kafka after they set
# root, build, tmp, brokers (empty: none given) and die().

# A real Kafka in $tmp/kafka when no broker was given; bench_cleanup
# stops it.
kafka_started=
bench_kafka() {
        [ -z "$brokers" ] || return 0
        echo "$1: starting Apache Kafka (tests/kafka/kafka.sh)" >&2
        kafka_started=1
        brokers=$("$root/tests/kafka/kafka.sh" start "$tmp/kafka") || die "cannot start Kafka"
}

# The trap of both scripts: the broker bench_kafka started, and $tmp.
bench_cleanup() {
        if [ -n "$kafka_started" ]; then
                "$root/tests/kafka/kafka.sh" stop "$tmp/kafka" >/dev/null 2>&1 || true
        fi
        rm -rf "$tmp"
}

# bench_create TOPIC PARTITIONS: the topic, made with the build's
# events-test-create-topic; fails when that tool is missing or fails.
bench_create() {
        local tool="$build/tests/tools/events-test-create-topic"
        [ -x "$tool" ] && "$tool" -b "$brokers" ${EVENTS_BENCH_CONTROL:+-c "$EVENTS_BENCH_CONTROL"} \
                "$1" "$2" >/dev/null 2>&1
}

# bench_count TOPIC: the end offsets of a topic, summed over its
# partitions: how many messages it holds.
bench_count() {
        local t=$1 sum=0 p off parts
        parts=$(kcat -b "$brokers" -L -t "$t" 2>/dev/null | grep -c 'partition [0-9]*,' || true)
        for p in $(seq 0 $((parts - 1))); do
                off=$(kcat -b "$brokers" -Q -t "$t:$p:-1" 2>/dev/null |
                        awk '{print $NF}')
                sum=$((sum + ${off:-0}))
        done
        echo "$sum"
}
