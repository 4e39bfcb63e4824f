/*
 * events/events.h - the whole libevents API in one include.
 *
 *   #include <events/events.h>
 *   cc app.c $(pkg-config --cflags --libs events)
 */
#ifndef EVENTS_EVENTS_H
#define EVENTS_EVENTS_H

#include "events/common.h"
#include "events/event.h"
#include "events/cloudevents.h"
#include "events/schema.h"
#include "events/router.h"
#include "events/kafka.h"
#include "events/producer.h"
#include "events/consumer.h"
#include "events/plugin.h"

#endif /* EVENTS_EVENTS_H */
