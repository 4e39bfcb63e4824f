/* clang-format off */
/* Kept to ten lines on purpose, as a user would write it. */
#include <events/events.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
        events_event_t *ev = NULL, *back = NULL;
        json_t *data = json_pack("{s:i, s:s}", "user_id", 42, "email", "a@example.com");
        char *out = NULL;
        if (events_event_new(&ev, "user.created", data, NULL) || events_event_stamp(ev) ||
            events_event_serialize(ev, &out, NULL) || events_event_parse(&back, out, strlen(out), NULL))
                return 1;
        printf("%s\n", out);
        int same = !strcmp(events_event_type(back), "user.created") && json_equal(events_event_data(back), data) &&
                   events_event_timestamp_us(back) == events_event_timestamp_us(ev);
        free(out), json_decref(data), events_event_destroy(ev), events_event_destroy(back);
        return same ? 0 : 1;
}
