/*
 * input.h - events-producer's input: the FILEs or stdin, line by line.
 */
#ifndef PRODUCER_INPUT_H
#define PRODUCER_INPUT_H

#include "app.h"

/**
 * @brief Check that every input can be read, before anything is sent.
 * @param files the FILE arguments ("-" is stdin); @param nfiles how many.
 * @returns EX_OK, or EX_NOINPUT (the first missing one told on stderr).
 */
int input_check(char **files, int nfiles);

/**
 * @brief Read every source (stdin when @p nfiles is 0), submitting each
 *        line to a->p and recording the sources in a->srcs.
 * @returns 0 at the end of the input, 1 when stopped early (signal or
 *          --max-errors), -1 on a read error (told on stderr).
 */
int read_all(struct app *a, char **files, int nfiles);

#endif /* PRODUCER_INPUT_H */
