/*
 * redrive.h - events-consumer --redrive DLQ: send dead-lettered events
 * back to the topics they came from.
 */
#ifndef CONSUMER_REDRIVE_H
#define CONSUMER_REDRIVE_H

/** @returns 1 when argv asks for --redrive. */
int redrive_wanted(int argc, char **argv);

/** Run the redrive. @returns the exit status (<sysexits.h>). */
int redrive_main(int argc, char **argv);

#endif /* CONSUMER_REDRIVE_H */
