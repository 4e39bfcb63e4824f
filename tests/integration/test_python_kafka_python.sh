#!/usr/bin/env bash
# The Python service of issue 13 on kafka-python (Debian's python3-kafka,
# without python3-lz4) against events-consumer and events-producer, both
# ways (tests/integration/python_common.sh says what each check asserts).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"
source "$(dirname "$0")/python_common.sh"

"$PY" -c 'import kafka' 2>/dev/null || fail "python3-kafka is not installed (scripts/deps.sh test)"
service_into_consumer kafka_python_service.py
producer_into_service kafka_python_service.py
