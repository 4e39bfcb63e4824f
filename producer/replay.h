/*
 * replay.h - events-producer --replay FILE: send the messages of an
 * events-consumer --capture file back, byte for byte.
 */
#ifndef PRODUCER_REPLAY_H
#define PRODUCER_REPLAY_H

/** @returns 1 when argv asks for --replay. */
int replay_wanted(int argc, char **argv);

/** Run the replay. @returns the exit status (<sysexits.h>). */
int replay_main(int argc, char **argv);

#endif /* PRODUCER_REPLAY_H */
