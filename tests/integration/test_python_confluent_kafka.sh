#!/usr/bin/env bash
# The Python service of issue 13 on confluent-kafka-python (Debian's
# python3-confluent-kafka) against events-consumer and events-producer,
# both ways (tests/integration/python_common.sh says what each check
# asserts).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/consumer_common.sh"
source "$(dirname "$0")/python_common.sh"

"$PY" -c 'import confluent_kafka' 2>/dev/null ||
        fail "python3-confluent-kafka is not installed (scripts/deps.sh test)"
service_into_consumer confluent_kafka_service.py
producer_into_service confluent_kafka_service.py
