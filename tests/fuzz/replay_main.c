/*
 * replay_main.c - a main() for the fuzz targets in builds without
 * libFuzzer (gcc, the unit tests): runs LLVMFuzzerTestOneInput() once on
 * each file named, or on each file of each folder named, as libFuzzer
 * does when given files. A target reports a failure by aborting, so a
 * regression case that fails again fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        unsigned char *buf = NULL;
        size_t len = 0, cap = 0, got;

        if (!f) {
                perror(path);
                return 1;
        }
        do {
                if (len == cap) {
                        unsigned char *nb = realloc(buf, cap = cap * 2 + 4096);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return 1;
                        }
                        buf = nb;
                }
                got = fread(buf + len, 1, cap - len, f);
                len += got;
        } while (got);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        return 0;
}

int main(int argc, char **argv) {
        int bad = 0;
        unsigned long n = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                DIR *d;
                struct dirent *e;

                if (stat(argv[i], &st)) {
                        perror(argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        bad |= run_file(argv[i]);
                        n++;
                        continue;
                }
                if (!(d = opendir(argv[i])))
                        return 1;
                while ((e = readdir(d))) {
                        char path[4096];

                        if (e->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", argv[i],
                                 e->d_name);
                        bad |= run_file(path);
                        n++;
                }
                closedir(d);
        }
        printf("replayed %lu inputs\n", n);
        return bad;
}
