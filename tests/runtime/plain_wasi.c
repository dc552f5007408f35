/* A plain WASI program that does not link the lucidity runtime: it cannot
 * report its exit status, so `lucidity run` must refuse it up front. */
#include <stdio.h>

int main(void)
{
    printf("plain WASI program\n");
    return 0;
}
