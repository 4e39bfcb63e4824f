/*
 * number_int.h - the JSON number grammar, shared by the two one-pass
 * parsers (json.c's, which builds jansson values, and lite.c's, which
 * builds light nodes) so that both accept exactly the same numbers.
 */
#ifndef EVENTS_NUMBER_INT_H
#define EVENTS_NUMBER_INT_H

#include <stddef.h>

/**
 * Scan one JSON number starting at b[i] (RFC 8259: -?(0|[1-9][0-9]*)
 * (.[0-9]+)?([eE][+-]?[0-9]+)?).
 * @param endp    the offset just past the number.
 * @param negp    1 when it starts with '-'.
 * @param realp   1 when it has a fraction or an exponent.
 * @param digitsp the number of digits of its integer part.
 * @returns 0, or -1 when b[i..len) does not start with a valid number.
 */
static inline int events__number_scan(const unsigned char *b, size_t len,
                                      size_t i, size_t *endp, int *negp,
                                      int *realp, size_t *digitsp) {
        size_t j = i;
        int neg = 0, real = 0;

        if (j < len && b[j] == '-') {
                neg = 1;
                j++;
        }
        if (j < len && b[j] == '0') {
                j++;
        } else if (j < len && b[j] >= '1' && b[j] <= '9') {
                while (j < len && b[j] >= '0' && b[j] <= '9')
                        j++;
        } else {
                return -1;
        }
        *digitsp = j - i - (size_t)neg;
        if (j < len && b[j] == '.') {
                real = 1;
                if (++j >= len || b[j] < '0' || b[j] > '9')
                        return -1;
                while (j < len && b[j] >= '0' && b[j] <= '9')
                        j++;
        }
        if (j < len && (b[j] | 0x20) == 'e') {
                real = 1;
                if (++j < len && (b[j] == '+' || b[j] == '-'))
                        j++;
                if (j >= len || b[j] < '0' || b[j] > '9')
                        return -1;
                while (j < len && b[j] >= '0' && b[j] <= '9')
                        j++;
        }
        *endp = j;
        *negp = neg;
        *realp = real;
        return 0;
}

#endif /* EVENTS_NUMBER_INT_H */
