/*
 * print.h - events-consumer's reading modes: --print (events to stdout)
 * and --capture FILE (a lossless copy), which read a topic the way
 * kcat -C does, without routes or handlers.
 */
#ifndef CONSUMER_PRINT_H
#define CONSUMER_PRINT_H

#include <stdio.h>

/** @returns 1 when argv asks for a reading mode (--print, --capture). */
int print_wanted(int argc, char **argv);

/** Run a reading mode. @returns the exit status (<sysexits.h>). */
int print_main(int argc, char **argv);

/** The reading modes' lines of --help. */
void print_usage(FILE *fp);

#endif /* CONSUMER_PRINT_H */
