/*
 * schema_format.c - the "format" keyword: date-time, date and time
 * (RFC 3339), email (RFC 5321 mailbox, ASCII) and idn-email (the same with
 * UTF-8), hostname (RFC 1123), ipv4, ipv6 (RFC 4291 text forms), uri,
 * uri-reference, iri, iri-reference (RFC 3986/3987 syntax), uuid (RFC 4122
 * text form), json-pointer and relative-json-pointer, regex (ECMA-262) and
 * uri-template (RFC 6570 syntax). Other formats (idn-hostname among them)
 * are annotations: every string passes them, as draft-07 allows.
 *
 * Each check is a hand-written scanner over the bytes: no allocation and no
 * regular expression (except "regex", which compiles its string), so a
 * format costs tens of nanoseconds. The ones the shipped schemas check
 * on every event (email and hostname, the uri family, ipv4, ipv6) first
 * run a state machine, one or two table lookups a byte: ipv4's decides;
 * the others only accept the common form and leave the rest to the full
 * scanner.
 */
#include <string.h>

#include "schema_int.h"

static const struct {
        const char *name;
        sch_format_t f;
} formats[] = {
        {"date-time", SCH_F_DATE_TIME},
        {"date", SCH_F_DATE},
        {"time", SCH_F_TIME},
        {"email", SCH_F_EMAIL},
        {"idn-email", SCH_F_IDN_EMAIL},
        {"hostname", SCH_F_HOSTNAME},
        {"ipv4", SCH_F_IPV4},
        {"ipv6", SCH_F_IPV6},
        {"uri", SCH_F_URI},
        {"uri-reference", SCH_F_URI_REFERENCE},
        {"iri", SCH_F_IRI},
        {"iri-reference", SCH_F_IRI_REFERENCE},
        {"uuid", SCH_F_UUID},
        {"json-pointer", SCH_F_JSON_POINTER},
        {"relative-json-pointer", SCH_F_RELATIVE_JSON_POINTER},
        {"regex", SCH_F_REGEX},
        {"uri-template", SCH_F_URI_TEMPLATE},
};

sch_format_t events__format_lookup(const char *name) {
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
                if (!strcmp(formats[i].name, name))
                        return formats[i].f;
        return SCH_F_NONE;
}

/* The checks events__format_check() dispatches to are kept out of line:
 * then it is a jump table of tail calls, where with one of them inlined it
 * saved and restored registers for every format. */
#define CHECK static __attribute__((noinline))

/* Character classes by table: the formats test every byte of e-mails,
 * UUIDs and addresses, and a chain of comparisons per byte showed in the
 * producer's profile. Callers pass bytes (0 to 255) or EOF-free ints.
 * C_LDH: a hostname label's letters, digits and hyphen (RFC 1123);
 * C_ATEXT: an e-mail dot-atom's characters but the dot (RFC 5322 atext);
 * C_HIGH: a byte of a UTF-8 sequence (idn-email's labels and local part). */
enum {
        C_DIGIT = 1,
        C_ALPHA = 2,
        C_HEX = 4,
        C_LDH = 8,
        C_ATEXT = 16,
        C_HIGH = 32,
        C_UNRES = 64, /* RFC 3986 unreserved, ASCII */
        C_SUB = 128   /* RFC 3986 sub-delims */
};
#define C_AT_LDH (C_LDH | C_ATEXT)
static const unsigned char cclass[256] = {
        ['0' ... '9'] = C_DIGIT | C_HEX | C_AT_LDH | C_UNRES,
        ['a' ... 'f'] = C_ALPHA | C_HEX | C_AT_LDH | C_UNRES,
        ['A' ... 'F'] = C_ALPHA | C_HEX | C_AT_LDH | C_UNRES,
        ['g' ... 'z'] = C_ALPHA | C_AT_LDH | C_UNRES,
        ['G' ... 'Z'] = C_ALPHA | C_AT_LDH | C_UNRES,
        ['-'] = C_AT_LDH | C_UNRES,
        ['.'] = C_UNRES,
        ['!'] = C_ATEXT | C_SUB,
        ['#'] = C_ATEXT,
        ['$'] = C_ATEXT | C_SUB,
        ['%'] = C_ATEXT,
        ['&'] = C_ATEXT | C_SUB,
        ['\''] = C_ATEXT | C_SUB,
        ['('] = C_SUB,
        [')'] = C_SUB,
        ['*'] = C_ATEXT | C_SUB,
        ['+'] = C_ATEXT | C_SUB,
        [','] = C_SUB,
        [';'] = C_SUB,
        ['/'] = C_ATEXT,
        ['='] = C_ATEXT | C_SUB,
        ['?'] = C_ATEXT,
        ['^'] = C_ATEXT,
        ['_'] = C_ATEXT | C_UNRES,
        ['`'] = C_ATEXT,
        ['{'] = C_ATEXT,
        ['|'] = C_ATEXT,
        ['}'] = C_ATEXT,
        ['~'] = C_ATEXT | C_UNRES,
        [0x80 ... 0xFF] = C_HIGH,
};
static int is_digit(int c) {
        return (unsigned)c < 256 && (cclass[c] & C_DIGIT);
}
static int is_alpha(int c) {
        return (unsigned)c < 256 && (cclass[c] & C_ALPHA);
}
static int is_hex(int c) {
        return (unsigned)c < 256 && (cclass[c] & C_HEX);
}

/* Read exactly n digits at s. @returns the number, or -1. */
static int digits(const char *s, size_t len, size_t pos, size_t n) {
        int v = 0;
        if (pos + n > len)
                return -1;
        for (size_t i = 0; i < n; i++) {
                if (!is_digit((unsigned char)s[pos + i]))
                        return -1;
                v = v * 10 + (s[pos + i] - '0');
        }
        return v;
}

static int days_in_month(int y, int m) {
        static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                return 29;
        return d[m - 1];
}

/* full-date at s[*pos]. */
static int scan_date(const char *s, size_t len, size_t *pos) {
        size_t p = *pos;
        int y = digits(s, len, p, 4), m, d;
        if (y < 0 || p + 4 >= len || s[p + 4] != '-')
                return 0;
        m = digits(s, len, p + 5, 2);
        if (m < 1 || m > 12 || p + 7 >= len || s[p + 7] != '-')
                return 0;
        d = digits(s, len, p + 8, 2);
        if (d < 1 || d > days_in_month(y, m))
                return 0;
        *pos = p + 10;
        return 1;
}

/* full-time at s[*pos]; to the end of the string. */
CHECK int scan_time(const char *s, size_t len, size_t pos) {
        int h = digits(s, len, pos, 2), mi, sec, oh = 0, om = 0, sign = 0;
        int utc_min;

        if (h < 0 || h > 23 || pos + 2 >= len || s[pos + 2] != ':')
                return 0;
        mi = digits(s, len, pos + 3, 2);
        if (mi < 0 || mi > 59 || pos + 5 >= len || s[pos + 5] != ':')
                return 0;
        sec = digits(s, len, pos + 6, 2);
        if (sec < 0 || sec > 60)
                return 0;
        pos += 8;
        if (pos < len && s[pos] == '.') {
                size_t start = ++pos;
                while (pos < len && is_digit((unsigned char)s[pos]))
                        pos++;
                if (pos == start)
                        return 0;
        }
        if (pos >= len)
                return 0; /* RFC 3339's full-time needs an offset */
        if (s[pos] == 'Z' || s[pos] == 'z') {
                pos++;
        } else if (s[pos] == '+' || s[pos] == '-') {
                sign = s[pos] == '+' ? 1 : -1;
                oh = digits(s, len, pos + 1, 2);
                if (oh < 0 || oh > 23 || pos + 3 >= len || s[pos + 3] != ':')
                        return 0;
                om = digits(s, len, pos + 4, 2);
                if (om < 0 || om > 59)
                        return 0;
                pos += 6;
        } else {
                return 0;
        }
        if (pos != len)
                return 0;
        if (sec == 60) {
                /* A leap second exists only at 23:59:60 UTC. */
                utc_min =
                        ((h * 60 + mi - sign * (oh * 60 + om)) % 1440 + 1440) %
                        1440;
                if (utc_min != 23 * 60 + 59)
                        return 0;
        }
        return 1;
}

CHECK int check_date_time(const char *s, size_t len) {
        size_t pos = 0;
        if (!scan_date(s, len, &pos) || pos >= len ||
            (s[pos] != 'T' && s[pos] != 't'))
                return 0;
        return scan_time(s, len, pos + 1);
}

CHECK int check_date(const char *s, size_t len) {
        size_t pos = 0;
        return scan_date(s, len, &pos) && pos == len;
}

/* The classes of p[i] to p[i + 3] and'ed. */
#define CLASS4(p, i)                                                           \
        (cclass[(p)[i]] & cclass[(p)[(i) + 1]] & cclass[(p)[(i) + 2]] &        \
         cclass[(p)[(i) + 3]])

/* The common e-mail address and host name, in one table lookup a byte:
 * a machine over the bytes whose states are those of a dot-atom local
 * part and a host name's labels. Its table is indexed by state * 256 +
 * byte and holds the next state times 256, so a step is a load and an
 * add. It knows no lengths, no quoted local part and no address literal:
 * its callers take it only on strings short enough that no limit can
 * bind, and everything it does not accept goes to the full check, which
 * decides (it declines, never refuses). */
enum {
        M_NO,    /* declined: the full check decides */
        M_LOCAL, /* start of the local part, or after one of its dots */
        M_ATOM,  /* in an atom of the local part */
        M_LABEL, /* start of a label: after the '@' or a dot */
        M_LDH,   /* in a label, after a letter or digit (or UTF-8) */
        M_HYPHEN /* in a label, after a hyphen */
};
#define M(st) ((st) << 8)
/* The table's entries: byte c, or bytes lo to hi, lead from one state to
 * another. */
#define M_BYTE(from, c, to) [M(from) + (c)] = M(to)
#define M_RANGE(from, lo, hi, to) [M(from) + (lo)... M(from) + (hi)] = M(to)
#define M_ALNUM(from, to)                                                      \
        M_RANGE(from, '0', '9', to), M_RANGE(from, 'a', 'z', to),              \
                M_RANGE(from, 'A', 'Z', to)
/* RFC 5322 atext (C_ATEXT of cclass[]). */
#define M_ATEXT(from, to)                                                      \
        M_ALNUM(from, to), M_BYTE(from, '!', to), M_BYTE(from, '#', to),       \
                M_BYTE(from, '$', to), M_BYTE(from, '%', to),                  \
                M_BYTE(from, '&', to), M_BYTE(from, '\'', to),                 \
                M_BYTE(from, '*', to), M_BYTE(from, '+', to),                  \
                M_BYTE(from, '-', to), M_BYTE(from, '/', to),                  \
                M_BYTE(from, '=', to), M_BYTE(from, '?', to),                  \
                M_BYTE(from, '^', to), M_BYTE(from, '_', to),                  \
                M_BYTE(from, '`', to), M_BYTE(from, '{', to),                  \
                M_BYTE(from, '|', to), M_BYTE(from, '}', to),                  \
                M_BYTE(from, '~', to)
#define M_TABLE(...)                                                           \
        {                                                                      \
                M_ATEXT(M_LOCAL, M_ATOM), M_ATEXT(M_ATOM, M_ATOM),             \
                        M_BYTE(M_ATOM, '.', M_LOCAL),                          \
                        M_BYTE(M_ATOM, '@', M_LABEL), M_ALNUM(M_LABEL, M_LDH), \
                        M_ALNUM(M_LDH, M_LDH), M_BYTE(M_LDH, '-', M_HYPHEN),   \
                        M_BYTE(M_LDH, '.', M_LABEL), M_ALNUM(M_HYPHEN, M_LDH), \
                        M_BYTE(M_HYPHEN, '-', M_HYPHEN), __VA_ARGS__           \
        }
/* ASCII; and with UTF-8 bytes as letters (idn-email). */
static const unsigned short mail_ascii[M(M_HYPHEN + 1)] = M_TABLE();
static const unsigned short mail_idn[M(M_HYPHEN + 1)] = M_TABLE(
        M_RANGE(M_LOCAL, 0x80, 0xFF, M_ATOM),
        M_RANGE(M_ATOM, 0x80, 0xFF, M_ATOM),
        M_RANGE(M_LABEL, 0x80, 0xFF, M_LDH), M_RANGE(M_LDH, 0x80, 0xFF, M_LDH),
        M_RANGE(M_HYPHEN, 0x80, 0xFF, M_LDH));

/* Run a machine of table @p t (M_TABLE's layout: next state * 256 at
 * state * 256 + byte; state 0 declines and stays) from state @p st over
 * s[0..len). @returns the state it ends in. Inlined into its few
 * callers: as a call it cost each string a few instructions more. */
static inline __attribute__((always_inline)) size_t
machine_run(const unsigned short *t, size_t st, const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;

        for (; i + 8 <= len; i += 8) {
                st = t[st + p[i]];
                st = t[st + p[i + 1]];
                st = t[st + p[i + 2]];
                st = t[st + p[i + 3]];
                st = t[st + p[i + 4]];
                st = t[st + p[i + 5]];
                st = t[st + p[i + 6]];
                st = t[st + p[i + 7]];
        }
        if (i + 4 <= len) {
                st = t[st + p[i]];
                st = t[st + p[i + 1]];
                st = t[st + p[i + 2]];
                st = t[st + p[i + 3]];
                i += 4;
        }
        for (; i < len; i++)
                st = t[st + p[i]];
        return st;
}

/* Below these lengths no limit can bind: a label (of at most len bytes)
 * is within 63, a local part (of at most len - 2) within 64 and a domain
 * within 253. */
#define MAIL_FAST_HOST 63
#define MAIL_FAST_EMAIL 65

/* With idn, UTF-8 (already valid: jansson checks it) may stand in labels;
 * IDNA's tables of disallowed code points are not checked. Labels of 1 to
 * 63 letters, digits and hyphens, not starting or ending with a hyphen,
 * separated by dots; at most 253 bytes in all. */
static int check_host(const char *s, size_t len, int idn) {
        const unsigned char *p = (const unsigned char *)s, *end = p + len;
        const unsigned want = idn ? C_LDH | C_HIGH : C_LDH;

        if (len == 0 || len > 253)
                return 0;
        for (;;) {
                const unsigned char *label = p;

                /* Four bytes a test while they are label bytes (an and
                 * of their classes that keeps a bit of want: every one of
                 * them has it), then one at a time. */
                while (end - p >= 4 && (CLASS4(p, 0) & want))
                        p += 4;
                while (p < end && (cclass[*p] & want))
                        p++;
                if (p == label || p - label > 63 || *label == '-' ||
                    p[-1] == '-')
                        return 0;
                if (p == end)
                        return 1;
                if (*p++ != '.')
                        return 0;
        }
}

CHECK int check_hostname(const char *s, size_t len) {
        if (len <= MAIL_FAST_HOST &&
            machine_run(mail_ascii, M(M_LABEL), s, len) == M(M_LDH))
                return 1;
        return check_host(s, len, 0);
}

/* Four decimal parts of 1 to 3 digits, at most 255, without leading
 * zeros: 7 to 15 bytes. The shipped schemas try "ipv4" first on every
 * address (anyOf ipv4, ipv6), so an IPv6 one is mostly refused by its
 * length alone. A part's grammar is finite ("0", 1-99, 1xx, 2[0-4]x,
 * 25[0-5]), so a machine over the byte's class decides it, a lookup of
 * the class and one of the next state a byte. */
#define IPV4_MIN 7
#define IPV4_MAX 15
enum { K_OTHER, K_0, K_1, K_2, K_34, K_5, K_69, K_DOT, K_N };
static const unsigned char ipv4_class[256] = {
        ['0'] = K_0,  ['1'] = K_1, ['2'] = K_2,          ['3'] = K_34,
        ['4'] = K_34, ['5'] = K_5, ['6' ... '9'] = K_69, ['.'] = K_DOT,
};
/* A part's states: what its digits so far allow next. */
enum {
        P_START, /* no digit yet */
        P_ZERO,  /* "0": no more digits */
        P_ONE,   /* "1": two more of any value */
        P_TWO,   /* "2": 0-4 then any, 5 then 0-5, or 6-9 */
        P_BIG,   /* "3" to "9": one more of any value */
        P_ANY,   /* "1x", "2[0-4]": one more of any value */
        P_25,    /* "25": one more of 0-5 */
        P_FULL,  /* at most 255 and no more digits */
        P_N
};
/* Part @p part (0 to 3) in state @p sub, times K_N; 0 is refused. */
#define Q(part, sub) ((1 + (part)*P_N + (sub)) * K_N)
#define Q_TO(part, sub, k, to) [Q(part, sub) + (k)] = Q(part, to)
#define Q_0TO4(part, sub, to)                                                  \
        Q_TO(part, sub, K_0, to), Q_TO(part, sub, K_1, to),                    \
                Q_TO(part, sub, K_2, to), Q_TO(part, sub, K_34, to)
#define Q_0TO9(part, sub, to)                                                  \
        Q_0TO4(part, sub, to), Q_TO(part, sub, K_5, to),                       \
                Q_TO(part, sub, K_69, to)
#define Q_DIGITS(part)                                                         \
        Q_TO(part, P_START, K_0, P_ZERO), Q_TO(part, P_START, K_1, P_ONE),     \
                Q_TO(part, P_START, K_2, P_TWO),                               \
                Q_TO(part, P_START, K_34, P_BIG),                              \
                Q_TO(part, P_START, K_5, P_BIG),                               \
                Q_TO(part, P_START, K_69, P_BIG), Q_0TO9(part, P_ONE, P_ANY),  \
                Q_0TO4(part, P_TWO, P_ANY), Q_TO(part, P_TWO, K_5, P_25),      \
                Q_TO(part, P_TWO, K_69, P_FULL), Q_0TO9(part, P_BIG, P_FULL),  \
                Q_0TO9(part, P_ANY, P_FULL), Q_0TO4(part, P_25, P_FULL),       \
                Q_TO(part, P_25, K_5, P_FULL)
/* After a whole part, a dot starts the next one. */
#define Q_DOT(part, sub) [Q(part, sub) + K_DOT] = Q((part) + 1, P_START)
#define Q_DOTS(part)                                                           \
        Q_DOT(part, P_ZERO), Q_DOT(part, P_ONE), Q_DOT(part, P_TWO),           \
                Q_DOT(part, P_BIG), Q_DOT(part, P_ANY), Q_DOT(part, P_25),     \
                Q_DOT(part, P_FULL)
static const unsigned short ipv4_next[Q(3, P_N)] = {
        Q_DIGITS(0), Q_DOTS(0), Q_DIGITS(1), Q_DOTS(1),
        Q_DIGITS(2), Q_DOTS(2), Q_DIGITS(3),
};

/* Run a machine over byte classes: @p next holds, at a state (times the
 * number of classes) plus a byte's class from @p cls, the next state so
 * multiplied; state 0 stays 0. @returns the state after s[0..len).
 * Inlined, as machine_run(). */
static inline __attribute__((always_inline)) size_t
class_run(const unsigned short *next, const unsigned char *cls, size_t st,
          const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;

        for (; i + 4 <= len; i += 4) {
                st = next[st + cls[p[i]]];
                st = next[st + cls[p[i + 1]]];
                st = next[st + cls[p[i + 2]]];
                st = next[st + cls[p[i + 3]]];
        }
        for (; i < len; i++)
                st = next[st + cls[p[i]]];
        return st;
}

CHECK int check_ipv4(const char *s, size_t len) {
        if (len - IPV4_MIN > IPV4_MAX - IPV4_MIN)
                return 0;
        /* the last part's states but P_START end an address */
        return class_run(ipv4_next, ipv4_class, Q(0, P_START), s, len) >
               Q(3, P_START);
}

/* The common IPv6 address, groups of hex digits only, by a machine over
 * byte classes whose state holds the groups done (0 to 7), the digits of
 * the current one (1 to 4) and whether "::" was seen: what it accepts
 * has eight groups, or at most seven and one "::". A dotted quad, and
 * everything else it does not accept, it declines to the full check. */
enum { V_OTHER, V_HEX, V_COLON, V_N };
static const unsigned char ipv6_class[256] = {
        ['0' ... '9'] = V_HEX,
        ['a' ... 'f'] = V_HEX,
        ['A' ... 'F'] = V_HEX,
        [':'] = V_COLON,
};
/* The states, times V_N. Accepting ones come last, from V_FINAL: eight
 * groups without "::" (VG(7, 0, d)), fewer with it (VG(g, 1, d) and
 * VDC(g)). VG(7, 1, d) would be eight groups and a "::": there is none. */
#define V_START (1 * V_N)
#define V_COLON1 (2 * V_N) /* a leading ':', before its second one */
/* In group g + 1 (g done before it), c: "::" seen, d digits read. */
#define VG(g, c, d)                                                            \
        ((c)        ? (49 + (g)*4 + (d)-1) * V_N                               \
         : (g) == 7 ? (45 + (d)-1) * V_N                                       \
                    : (3 + (g)*4 + (d)-1) * V_N)
/* After a single ':' that ended group g. */
#define VSEP(g, c) ((31 + ((g)-1) * 2 + (c)) * V_N)
/* After "::", g groups before it. */
#define VDC(g) ((77 + (g)) * V_N)
#define V_FINAL (45 * V_N)
#define V_STATES 85
/* From state @p from, a byte of class @p k leads to @p to. */
#define V_TO(from, k, to) [(from) + (k)] = (to)
/* Group g + 1's rows: a fifth digit, or a ':' after an eighth group,
 * is refused. */
#define V_GROUP(g, c)                                                          \
        V_TO(VG(g, c, 1), V_HEX, VG(g, c, 2)),                                 \
                V_TO(VG(g, c, 2), V_HEX, VG(g, c, 3)),                         \
                V_TO(VG(g, c, 3), V_HEX, VG(g, c, 4)),                         \
                V_TO(VG(g, c, 1), V_COLON, V_AFTER(g, c)),                     \
                V_TO(VG(g, c, 2), V_COLON, V_AFTER(g, c)),                     \
                V_TO(VG(g, c, 3), V_COLON, V_AFTER(g, c)),                     \
                V_TO(VG(g, c, 4), V_COLON, V_AFTER(g, c))
#define V_AFTER(g, c) ((g) < 7 ? VSEP((g) + 1, c) : 0)
/* After group g's ':': a digit starts the next group (an eighth one
 * after "::" is refused), a second ':' makes the "::". */
#define V_SEP(g)                                                               \
        V_TO(VSEP(g, 0), V_HEX, VG(g, 0, 1)),                                  \
                V_TO(VSEP(g, 0), V_COLON, VDC(g)),                             \
                V_TO(VSEP(g, 1), V_HEX, (g) < 7 ? VG(g, 1, 1) : 0)
#define V_DC(g) V_TO(VDC(g), V_HEX, (g) < 7 ? VG(g, 1, 1) : 0)
static const unsigned short ipv6_next[V_STATES * V_N] = {
        V_TO(V_START, V_HEX, VG(0, 0, 1)),
        V_TO(V_START, V_COLON, V_COLON1),
        V_TO(V_COLON1, V_COLON, VDC(0)),
        V_GROUP(0, 0),
        V_GROUP(1, 0),
        V_GROUP(2, 0),
        V_GROUP(3, 0),
        V_GROUP(4, 0),
        V_GROUP(5, 0),
        V_GROUP(6, 0),
        V_GROUP(7, 0),
        V_GROUP(0, 1),
        V_GROUP(1, 1),
        V_GROUP(2, 1),
        V_GROUP(3, 1),
        V_GROUP(4, 1),
        V_GROUP(5, 1),
        V_GROUP(6, 1),
        V_SEP(1),
        V_SEP(2),
        V_SEP(3),
        V_SEP(4),
        V_SEP(5),
        V_SEP(6),
        V_SEP(7),
        V_DC(0),
        V_DC(1),
        V_DC(2),
        V_DC(3),
        V_DC(4),
        V_DC(5),
        V_DC(6),
};

/* Groups of 1 to 4 hex digits between colons, "::" once, maybe a dotted
 * quad last. A group of four (the common one) is tested in one and of
 * four classes. */
CHECK int check_ipv6(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *)s, *end = p + len;
        int groups = 0, compressed = 0;

        if (class_run(ipv6_next, ipv6_class, V_START, s, len) >= V_FINAL)
                return 1;

        if (len < 2)
                return 0;
        if (p[0] == ':') {
                if (p[1] != ':')
                        return 0;
                compressed = 1;
                p += 2;
                if (p == end)
                        return 1;
        }
        for (;;) {
                const unsigned char *group = p;

                if (end - p >= 4 && (CLASS4(p, 0) & C_HEX))
                        p += 4;
                else /* fewer than four: a non-hex byte or the end is near */
                        while (p < end && (cclass[*p] & C_HEX))
                                p++;
                if (p < end && *p == '.') {
                        /* The last 32 bits as a dotted quad. */
                        if (!check_ipv4((const char *)group,
                                        (size_t)(end - group)))
                                return 0;
                        groups += 2;
                        break;
                }
                if (p == group)
                        return 0;
                groups++;
                if (p == end)
                        break;
                if (*p++ != ':') /* a fifth hex digit among them */
                        return 0;
                if (p == end)
                        return 0; /* a single trailing ':' */
                if (*p == ':') {
                        if (compressed)
                                return 0;
                        compressed = 1;
                        if (++p == end)
                                break;
                }
        }
        return compressed ? groups <= 7 : groups == 8;
}

/* 8-4-4-4-12 hex digits, either case. */
CHECK int check_uuid(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *)s;

        if (len != 36 || p[8] != '-' || p[13] != '-' || p[18] != '-' ||
            p[23] != '-')
                return 0;
        /* The 32 hex digits, four at a time: every class and'ed, tested
         * once (written out: a loop that skips the dashes cost five times
         * as much per byte). */
        return (CLASS4(p, 0) & CLASS4(p, 4) & CLASS4(p, 9) & CLASS4(p, 14) &
                CLASS4(p, 19) & CLASS4(p, 24) & CLASS4(p, 28) & CLASS4(p, 32) &
                C_HEX) != 0;
}

/* The further characters a URI component allows (uri_component()). */
enum { X_COLON = 1, X_AT = 2, X_SLASH = 4, X_QMARK = 8 };

/* Whether @p c ends an authority or the first segment of a path: a
 * '/', '?' or '#' (or NUL, which ended it when this was a strchr()). */
static int uri_gdelim(unsigned char c) {
        return c == '/' || c == '?' || c == '#' || c == '\0';
}

/* s[start..end) is a component: RFC 3986's unreserved and sub-delims
 * characters (a table lookup each), pct-encoded bytes, the @p extra ones
 * (X_*), and with iri non-ASCII (ucschar) too. */
static int uri_component(const char *s, size_t start, size_t end, int iri,
                         unsigned extra) {
        const unsigned char *p = (const unsigned char *)s;
        size_t i = start;

        while (i < end) {
                unsigned char c = p[i];

                if (cclass[c] & (C_UNRES | C_SUB)) {
                        i++;
                } else if (c == '%') {
                        if (i + 2 >= end || !is_hex(p[i + 1]) ||
                            !is_hex(p[i + 2]))
                                return 0;
                        i += 3;
                } else if ((iri && c >= 0x80) ||
                           (c == ':' && (extra & X_COLON)) ||
                           (c == '@' && (extra & X_AT)) ||
                           (c == '/' && (extra & X_SLASH)) ||
                           (c == '?' && (extra & X_QMARK))) {
                        i++;
                } else {
                        return 0;
                }
        }
        return i == end;
}

static int uri_authority(const char *s, size_t start, size_t end, int iri) {
        size_t host = start, at, colon;

        for (at = start; at < end && s[at] != '@'; at++)
                ;
        if (at < end) {
                if (!uri_component(s, start, at, iri, X_COLON))
                        return 0;
                host = at + 1;
        }
        if (host < end && s[host] == '[') {
                size_t close = host;
                while (close < end && s[close] != ']')
                        close++;
                if (close == end)
                        return 0;
                if (host + 1 < close &&
                    (s[host + 1] == 'v' || s[host + 1] == 'V')) {
                        if (!uri_component(s, host + 2, close, 0, X_COLON))
                                return 0;
                } else if (!check_ipv6(s + host + 1, close - host - 1)) {
                        return 0;
                }
                colon = close + 1;
                if (colon < end && s[colon] != ':')
                        return 0;
        } else {
                for (colon = host; colon < end && s[colon] != ':'; colon++)
                        ;
                if (!uri_component(s, host, colon, iri, 0))
                        return 0;
        }
        if (colon < end)
                for (size_t i = colon + 1; i < end; i++)
                        if (!is_digit((unsigned char)s[i]))
                                return 0;
        return 1;
}

/* The common absolute URI, "scheme://host[:port][/path][?query][#frag]",
 * by a machine like the e-mail one (M_TABLE). It accepts only ASCII
 * without userinfo, an IP literal or percent-encoding, which it leaves to
 * the full check, as everything it does not accept; what it accepts, a
 * URI, is a URI reference, an IRI and an IRI reference too. */
enum {
        U_NO,     /* declined: the full check decides */
        U_START,  /* nothing read */
        U_SCHEME, /* in the scheme */
        U_COLON,  /* after the scheme's ':' */
        U_SLASH,  /* after its first '/' */
        U_AUTH,   /* after "//": the host may be empty; this state and
                   * all below it may end the URI */
        U_HOST,   /* in a reg-name */
        U_PORT,   /* in the port */
        U_PATH,
        U_QUERY,
        U_FRAG
};
/* RFC 3986 unreserved and sub-delims (C_UNRES | C_SUB of cclass[]). */
#define U_PCHAR(from, to)                                                      \
        M_ALNUM(from, to), M_BYTE(from, '-', to), M_BYTE(from, '.', to),       \
                M_BYTE(from, '_', to), M_BYTE(from, '~', to),                  \
                M_BYTE(from, '!', to), M_BYTE(from, '$', to),                  \
                M_BYTE(from, '&', to), M_BYTE(from, '\'', to),                 \
                M_BYTE(from, '(', to), M_BYTE(from, ')', to),                  \
                M_BYTE(from, '*', to), M_BYTE(from, '+', to),                  \
                M_BYTE(from, ',', to), M_BYTE(from, ';', to),                  \
                M_BYTE(from, '=', to)
/* What ends an authority or a path, from state @p from. */
#define U_ENDS(from)                                                           \
        M_BYTE(from, '/', U_PATH), M_BYTE(from, '?', U_QUERY),                 \
                M_BYTE(from, '#', U_FRAG)
static const unsigned short uri_ascii[M(U_FRAG + 1)] = {
        M_RANGE(U_START, 'a', 'z', U_SCHEME),
        M_RANGE(U_START, 'A', 'Z', U_SCHEME),
        M_ALNUM(U_SCHEME, U_SCHEME),
        M_BYTE(U_SCHEME, '+', U_SCHEME),
        M_BYTE(U_SCHEME, '-', U_SCHEME),
        M_BYTE(U_SCHEME, '.', U_SCHEME),
        M_BYTE(U_SCHEME, ':', U_COLON),
        M_BYTE(U_COLON, '/', U_SLASH),
        M_BYTE(U_SLASH, '/', U_AUTH),
        U_PCHAR(U_AUTH, U_HOST),
        M_BYTE(U_AUTH, ':', U_PORT),
        U_ENDS(U_AUTH),
        U_PCHAR(U_HOST, U_HOST),
        M_BYTE(U_HOST, ':', U_PORT),
        U_ENDS(U_HOST),
        M_RANGE(U_PORT, '0', '9', U_PORT),
        U_ENDS(U_PORT),
        U_PCHAR(U_PATH, U_PATH),
        M_BYTE(U_PATH, ':', U_PATH),
        M_BYTE(U_PATH, '@', U_PATH),
        M_BYTE(U_PATH, '/', U_PATH),
        M_BYTE(U_PATH, '?', U_QUERY),
        M_BYTE(U_PATH, '#', U_FRAG),
        U_PCHAR(U_QUERY, U_QUERY),
        M_BYTE(U_QUERY, ':', U_QUERY),
        M_BYTE(U_QUERY, '@', U_QUERY),
        M_BYTE(U_QUERY, '/', U_QUERY),
        M_BYTE(U_QUERY, '?', U_QUERY),
        M_BYTE(U_QUERY, '#', U_FRAG),
        U_PCHAR(U_FRAG, U_FRAG),
        M_BYTE(U_FRAG, ':', U_FRAG),
        M_BYTE(U_FRAG, '@', U_FRAG),
        M_BYTE(U_FRAG, '/', U_FRAG),
        M_BYTE(U_FRAG, '?', U_FRAG),
};

/* A URI (needs a scheme) or, with relative, a URI reference. */
CHECK int check_uri(const char *s, size_t len, int relative, int iri) {
        size_t pos = 0, end;

        /* U_AUTH and the states after it end a whole URI */
        if (machine_run(uri_ascii, M(U_START), s, len) >= M(U_AUTH))
                return 1;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == ':') {
                        if (i == 0 || !is_alpha((unsigned char)s[0]))
                                return 0;
                        pos = i + 1;
                        break;
                }
                if (c == '/' || c == '?' || c == '#' ||
                    !(is_alpha(c) || is_digit(c) || c == '+' || c == '-' ||
                      c == '.'))
                        break;
        }
        if (pos == 0 && !relative)
                return 0;
        if (pos == 0) {
                /* path-noscheme: no ':' in the first segment */
                for (size_t i = 0; i < len && !uri_gdelim((unsigned char)s[i]);
                     i++)
                        if (s[i] == ':')
                                return 0;
        }
        if (pos + 1 < len && s[pos] == '/' && s[pos + 1] == '/') {
                pos += 2;
                for (end = pos; end < len && !uri_gdelim((unsigned char)s[end]);
                     end++)
                        ;
                if (!uri_authority(s, pos, end, iri))
                        return 0;
                pos = end;
        }
        for (end = pos; end < len && s[end] != '?' && s[end] != '#'; end++)
                ;
        if (!uri_component(s, pos, end, iri, X_COLON | X_AT | X_SLASH))
                return 0;
        pos = end;
        if (pos < len && s[pos] == '?') {
                for (end = ++pos; end < len && s[end] != '#'; end++)
                        ;
                if (!uri_component(s, pos, end, iri,
                                   X_COLON | X_AT | X_SLASH | X_QMARK))
                        return 0;
                pos = end;
        }
        if (pos < len && s[pos] == '#') {
                pos++;
                if (!uri_component(s, pos, len, iri,
                                   X_COLON | X_AT | X_SLASH | X_QMARK))
                        return 0;
        }
        return 1;
}

/* An e-mail address's domain (@p len >= 1): a host name, or an address
 * literal in brackets. */
static int domain(const char *s, size_t len, int idn) {
        if (s[0] == '[') {
                if (s[len - 1] != ']')
                        return 0;
                if (len > 6 && !strncmp(s + 1, "IPv6:", 5))
                        return check_ipv6(s + 6, len - 7);
                return check_ipv4(s + 1, len - 2);
        }
        return check_host(s, len, idn);
}

/* dot-atom or quoted-string local part, then a domain or an address
 * literal. Plain ASCII: "idn-email" is not checked. */
CHECK int check_email(const char *s, size_t len, int idn) {
        size_t at = len, i;

        if (len <= MAIL_FAST_EMAIL &&
            machine_run(idn ? mail_idn : mail_ascii, M(M_LOCAL), s, len) ==
                    M(M_LDH))
                return 1;

        if (len && s[0] != '"') {
                /* A dot-atom holds no '@': the first one ends it, and
                 * with a second one the domain, which takes none, is
                 * refused, as the last '@' would make the local part
                 * refused. One pass: atext runs, dots between them. */
                const unsigned want = idn ? C_ATEXT | C_HIGH : C_ATEXT;

                for (i = 0;;) {
                        while (i < len && (cclass[(unsigned char)s[i]] & want))
                                i++;
                        if (i == len)
                                return 0; /* no '@' */
                        if (s[i] == '@')
                                break;
                        if (s[i] != '.' || i == 0 || s[i - 1] == '.')
                                return 0;
                        i++;
                }
                at = i;
                if (at == 0 || at > 64 || s[at - 1] == '.' || at + 1 >= len)
                        return 0;
                return domain(s + at + 1, len - at - 1, idn);
        }
        while (at > 0 && s[at - 1] != '@')
                at--;
        if (at == 0)
                return 0;
        at--; /* the last '@' */
        if (at == 0 || at > 64 || at + 1 >= len)
                return 0;
        if (s[0] == '"') {
                if (at < 2 || s[at - 1] != '"')
                        return 0;
                for (i = 1; i < at - 1; i++) {
                        unsigned char c = (unsigned char)s[i];
                        if (c == '\\') {
                                if (++i >= at - 1)
                                        return 0;
                        } else if (c < 32 || c == '"' || c >= 127) {
                                return 0;
                        }
                }
        } else {
                /* atext, and dots between atoms */
                const unsigned want = idn ? C_ATEXT | C_HIGH : C_ATEXT;
                for (i = 0; i < at; i++) {
                        unsigned char c = (unsigned char)s[i];
                        if (c == '.') {
                                if (i == 0 || i == at - 1 || s[i - 1] == '.')
                                        return 0;
                        } else if (!(cclass[c] & want)) {
                                return 0;
                        }
                }
        }
        return domain(s + at + 1, len - at - 1, idn);
}

CHECK int check_json_pointer(const char *s, size_t len) {
        if (len == 0)
                return 1;
        if (s[0] != '/')
                return 0;
        for (size_t i = 0; i < len; i++)
                if (s[i] == '~' &&
                    (i + 1 >= len || (s[i + 1] != '0' && s[i + 1] != '1')))
                        return 0;
        return 1;
}

CHECK int check_relative_json_pointer(const char *s, size_t len) {
        size_t i = 0;
        while (i < len && is_digit((unsigned char)s[i]))
                i++;
        if (i == 0 || (i > 1 && s[0] == '0'))
                return 0;
        if (i < len && s[i] == '#')
                return i + 1 == len;
        return check_json_pointer(s + i, len - i);
}

CHECK int check_uri_template(const char *s, size_t len) {
        int open = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '{') {
                        if (open)
                                return 0;
                        open = 1;
                } else if (c == '}') {
                        if (!open)
                                return 0;
                        open = 0;
                } else if (c <= ' ' || strchr("\"'<>\\^`|", c)) {
                        return 0;
                }
        }
        return !open;
}

int events__format_check(sch_format_t f, const char *s, size_t len) {
        switch (f) {
        case SCH_F_DATE_TIME:
                return check_date_time(s, len);
        case SCH_F_DATE:
                return check_date(s, len);
        case SCH_F_TIME:
                return scan_time(s, len, 0);
        case SCH_F_EMAIL:
                return check_email(s, len, 0);
        case SCH_F_IDN_EMAIL:
                return check_email(s, len, 1);
        case SCH_F_HOSTNAME:
                return check_hostname(s, len);
        case SCH_F_IPV4:
                return check_ipv4(s, len);
        case SCH_F_IPV6:
                return check_ipv6(s, len);
        case SCH_F_URI:
                return check_uri(s, len, 0, 0);
        case SCH_F_URI_REFERENCE:
                return check_uri(s, len, 1, 0);
        case SCH_F_IRI:
                return check_uri(s, len, 0, 1);
        case SCH_F_IRI_REFERENCE:
                return check_uri(s, len, 1, 1);
        case SCH_F_UUID:
                return check_uuid(s, len);
        case SCH_F_JSON_POINTER:
                return check_json_pointer(s, len);
        case SCH_F_RELATIVE_JSON_POINTER:
                return check_relative_json_pointer(s, len);
        case SCH_F_REGEX:
                return events__regex_valid(s, len);
        case SCH_F_URI_TEMPLATE:
                return check_uri_template(s, len);
        case SCH_F_NONE:
                break;
        }
        return 1;
}
