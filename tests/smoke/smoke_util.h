/* Helpers shared by the raw host-ABI smoke tests (no lucidity runtime). */
#ifndef SMOKE_UTIL_H
#define SMOKE_UTIL_H
#include <stdio.h>
#include <string.h>
#include "host.h"

#define EXPORT(name) __attribute__((export_name(name)))

#define CHECK(cond, ...)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                  \
            printf(__VA_ARGS__);                                                    \
            printf("\n");                                                           \
            fflush(stdout);                                                         \
            return 1;                                                               \
        }                                                                           \
    } while (0)

/* Sends one u64 in a message with this tag; the scratch buffer is per process. */
static inline void smoke_put_u64(int64_t tag, uint64_t value)
{
    lh_create_data((uint64_t)tag, sizeof value);
    lh_write_data(&value, sizeof value);
}

static inline uint64_t smoke_get_u64(void)
{
    uint64_t v = 0;
    lh_read_data(&v, sizeof v);
    return v;
}

static inline uint32_t smoke_spawn(uint64_t link, const char *fn, const uint64_t *args, int n,
                                   uint64_t *pid)
{
    uint8_t params[4 * LH_PARAM_SIZE];
    for (int i = 0; i < n; i++)
        lh_param_i64(params + i * LH_PARAM_SIZE, args[i]);
    return lh_spawn(link, -1, -1, fn, (uint32_t)strlen(fn), params,
                    (uint32_t)(n * LH_PARAM_SIZE), pid);
}
#endif
