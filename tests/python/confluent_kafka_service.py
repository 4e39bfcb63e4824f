#!/usr/bin/python3
"""The Python service of issue 13, on confluent-kafka-python instead of
kafka-python: the same events, the same JSON, the same consumer loop.

    confluent_kafka_service.py produce BROKERS TOPIC N
    confluent_kafka_service.py consume BROKERS TOPIC N

(see kafka_python_service.py for what each prints and checks). Uses
Debian's python3-confluent-kafka as installed: run it with /usr/bin/python3.
"""
import json
import sys
import uuid
from datetime import datetime

from confluent_kafka import Consumer, Producer

import service_common as common


def produce(brokers, topic, n):
    producer = Producer({'bootstrap.servers': brokers})
    failed = []

    def delivered(err, msg):
        if err is not None:
            failed.append(str(err))

    def publish_user_event(event_type, user_data):
        value = {'event_type': event_type, 'data': user_data,
                 'timestamp': datetime.utcnow().isoformat()}
        producer.produce(topic, json.dumps(value).encode('utf-8'),
                         on_delivery=delivered)
        producer.poll(0)

    for event_type, user_data in common.events(n):
        publish_user_event(event_type, user_data)
        print(event_type, user_data['user_id'])
    left = producer.flush(60)
    if left or failed:
        raise SystemExit('confluent-kafka: %d not delivered, %d failed: %s'
                         % (left, len(failed), failed[:3]))


def consume(brokers, topic, n):
    seen = common.Handler(n)
    consumer = Consumer({'bootstrap.servers': brokers,
                         'group.id': 'python-service-%s' % uuid.uuid4(),
                         'auto.offset.reset': 'earliest'})
    consumer.subscribe([topic])
    idle = 0.0
    while not seen.done() and idle < common.IDLE_MS / 1000:
        msg = consumer.poll(1.0)
        if msg is None:
            idle += 1.0
            continue
        if msg.error():
            raise SystemExit('confluent-kafka: %s' % msg.error())
        idle = 0.0
        event = json.loads(msg.value().decode('utf-8'))
        seen.handle_user_event(event['event_type'], event['data'], event)
    consumer.close()
    return seen.finish()


if __name__ == '__main__':
    sys.exit(common.main(sys.argv, produce, consume))
