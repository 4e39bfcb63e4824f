#!/usr/bin/python3
"""The Python service of issue 13, as it is written, on kafka-python.

    kafka_python_service.py produce BROKERS TOPIC N
        publish N user events of mixed types, the way the service does
        (KafkaProducer, value_serializer json.dumps,
        datetime.utcnow().isoformat() timestamps without a zone); print
        one line "EVENT_TYPE USER_ID" per event sent.
    kafka_python_service.py consume BROKERS TOPIC N
        read N events with the service's consumer loop (KafkaConsumer,
        value_deserializer json.loads, handle_user_event(type, data));
        print one line "EVENT_TYPE USER_ID" per event, and fail when an
        event's timestamp does not parse with datetime.fromisoformat().

Uses Debian's python3-kafka as installed (no python3-lz4): run it with
/usr/bin/python3.
"""
import json
import sys
from datetime import datetime

from kafka import KafkaConsumer, KafkaProducer

import service_common as common


def produce(brokers, topic, n):
    # The service's producer, unchanged but for the topic and the address.
    producer = KafkaProducer(bootstrap_servers=[brokers],
                             value_serializer=lambda x: json.dumps(x).encode('utf-8'))

    def publish_user_event(event_type, user_data):
        producer.send(topic, {'event_type': event_type, 'data': user_data,
                              'timestamp': datetime.utcnow().isoformat()})

    for event_type, user_data in common.events(n):
        publish_user_event(event_type, user_data)
        print(event_type, user_data['user_id'])
    producer.flush(timeout=60)
    producer.close()


def consume(brokers, topic, n):
    seen = common.Handler(n)
    # The service's consumer: no group (kafka-python's default), from the
    # start of the topic, and a loop that hands each event on.
    consumer = KafkaConsumer(topic, bootstrap_servers=[brokers],
                             auto_offset_reset='earliest',
                             consumer_timeout_ms=common.IDLE_MS,
                             value_deserializer=lambda m: json.loads(m.decode('utf-8')))
    for message in consumer:
        event = message.value
        seen.handle_user_event(event['event_type'], event['data'], event)
        if seen.done():
            break
    consumer.close()
    return seen.finish()


if __name__ == '__main__':
    sys.exit(common.main(sys.argv, produce, consume))
