#!/usr/bin/env bash
# A topic the broker refuses ("bad topic!!") fails every line, counted, with
# exit status 69, at 1, 2,000 and 100,000 lines. At 2,000 lines and more,
# metadata arrives mid-run and rd_kafka_produceva() starts to fail at once:
# librdkafka 2.0.2 then frees a header list it made itself twice
# (librdkafka issue #4627), which the producer works around by passing a
# list of its own. Run on the release build, and on the ASan build too when
# the test command names it (EVENTS_TEST_ASAN_BUILD_DIR, set by
# scripts/test.sh).
# Real Kafka only: librdkafka's mock cluster, under events-devbroker, does
# not check topic names.
source "$(dirname "$0")/lib.sh"

lines() {
        python3 - "$1" <<'PY'
import json, sys
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"event_type": "user.login",
                      "data": {"user_id": i, "ip": "203.0.113.7",
                               "user_agent": "curl/8.5.0", "method": "password"}}))
PY
}

check() { # check BINARY LABEL N
        local bin=$1 label=$2 n=$3 rc=0 summary
        rm -f "$T/receipts"
        "$bin" -b "$BROKERS" -t 'bad topic!!' --schemas "$SRC/schemas" \
                --receipts "$T/receipts" "$T/lines$n.ndjson" >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -eq 69 ] || fail "$label, $n lines: exit $rc, not 69; $(tail -5 "$T/err")"
        summary=$(grep -E '^events-producer: [0-9]+ read,' "$T/err" || true)
        echo "$summary" | grep -q "^events-producer: $n read, 0 delivered, 0 rejected, $n failed," ||
                fail "$label, $n lines: summary is '$summary', not $n failed"
        # Every line has its own failed receipt, once (receipts come in the
        # order outcomes are known, not in input order).
        python3 - "$T/receipts" "$n" <<'PY' || fail "$label, $n lines: receipts do not account for every line"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
assert sorted(r["line"] for r in rs) == list(range(1, n + 1)), "lines"
assert all(r["status"] == "failed" for r in rs), "status"
PY
        echo "ok: $label, $n lines: exit 69, $n failed"
}

for n in 1 2000 100000; do
        lines "$n" >"$T/lines$n.ndjson"
done
bins=("$BUILD/producer/events-producer:release")
if [ -n "${EVENTS_TEST_ASAN_BUILD_DIR:-}" ]; then
        asan=$EVENTS_TEST_ASAN_BUILD_DIR/producer/events-producer
        [ -x "$asan" ] || fail "EVENTS_TEST_ASAN_BUILD_DIR names $asan, which is not built"
        bins+=("$asan:asan")
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for b in "${bins[@]}"; do
        for n in 1 2000 100000; do
                check "${b%:*}" "${b##*:}" "$n"
        done
done
