/* limits.c - the option ranges jobc accepts are ranges that run (test jobc.limits.memory). */
#include "limits.job.h"

#include <stdio.h>

uint32_t at_min(uint32_t x) { return x + 1; }
uint32_t at_max(uint32_t x) { return x + 2; }

int main(void)
{
    uint32_t a = 0, b = 0;
    int sa = at_min_local(40, &a);
    int sb = at_max_local(40, &b);
    printf("%s memory: 1MiB -> %d (%s) %u, 4GiB -> %d (%s) %u\n",
           sa == 0 && a == 41 && sb == 0 && b == 42 ? "ok" : "FAIL", sa, lucidity_strerror(sa), a,
           sb, lucidity_strerror(sb), b);
    fflush(stdout);
    return 0;
}
