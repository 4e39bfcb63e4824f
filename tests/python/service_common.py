"""What the two clients' programs share: the service's events, and the
handler its consumer loop calls. The checks are here so that both clients
are held to the same ones."""
import sys
from datetime import datetime, timedelta

# How long a consumer waits with nothing new before it gives up.
IDLE_MS = 60000

TYPES = ['user.created', 'user.updated', 'user.login', 'user.logout',
         'user.email_verified', 'user.password_changed', 'user.deleted']


def events(n):
    """n (event_type, user record) pairs of mixed types: what the service
    sends. The record is the same for every type, and carries fields the
    shipped schemas do not name (team, tags, last_seen)."""
    for i in range(n):
        user_id = 1 + i % 97
        yield TYPES[i % len(TYPES)], {
            'user_id': user_id,
            'email': 'user%d@example.com' % user_id,
            'name': 'User %d' % user_id,
            'plan': ['free', 'pro', 'startup'][i % 3],
            'team': 'team-%d' % (user_id % 5),
            'tags': ['beta'] if i % 2 else [],
            'last_seen': datetime.utcnow().isoformat(),
        }


class Handler:
    """The service's handle_user_event(), recording what it was given."""

    def __init__(self, n):
        self.n = n
        self.count = 0
        self.errors = []

    def handle_user_event(self, event_type, data, event):
        self.count += 1
        ts = event.get('timestamp')
        try:
            when = datetime.fromisoformat(ts)
        except (TypeError, ValueError) as e:
            self.errors.append('%s: timestamp %r: %s' % (event_type, ts, e))
            when = None
        # The consumers read what events-producer sent: UTC, with its zone
        # (a "Z"), whatever zone or none the input had.
        if when is not None and when.utcoffset() != timedelta(0):
            self.errors.append('%s: timestamp %r is not UTC with a zone'
                               % (event_type, ts))
        if not isinstance(data, dict) or 'user_id' not in data:
            self.errors.append('%s: data has no user_id: %r' % (event_type, data))
            return
        print(event_type, data['user_id'])

    def done(self):
        return self.count >= self.n

    def finish(self):
        for e in self.errors[:10]:
            print('error:', e, file=sys.stderr)
        if self.count != self.n:
            print('error: read %d events, expected %d' % (self.count, self.n),
                  file=sys.stderr)
        return 1 if self.errors or self.count != self.n else 0


def main(argv, produce, consume):
    if len(argv) != 5 or argv[1] not in ('produce', 'consume'):
        print('usage: %s produce|consume BROKERS TOPIC N' % argv[0],
              file=sys.stderr)
        return 64
    what, brokers, topic, n = argv[1], argv[2], argv[3], int(argv[4])
    if what == 'produce':
        produce(brokers, topic, n)
        return 0
    return consume(brokers, topic, n)
