/* An app for the `lucidity run` tests. By default it ends with status 3, and
 * `lucidity run` must exit with 3 too. LUCIDITY_TEST_EXIT (every node passes
 * its environment on to the app) picks another ending:
 *   abort   main calls abort(): a trap, no exit status is reported
 *   wait    prints "app waiting" and sleeps, for tests that kill the launcher */
#include <lucidity.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((import_module("lunatic::process"), import_name("sleep_ms")))
void exit_app_sleep_ms(uint64_t ms);

int main(int argc, char **argv)
{
    (void)argv;
    const char *mode = getenv("LUCIDITY_TEST_EXIT");
    printf("app on node %llu starts\n", (unsigned long long)lucidity_node_id());
    fflush(stdout);
    if (mode && strcmp(mode, "abort") == 0)
        abort();
    if (mode && strcmp(mode, "wait") == 0) {
        printf("app waiting\n");
        fflush(stdout);
        for (;;)
            exit_app_sleep_ms(60000);
    }
    printf("app on node %llu exits with 3\n", (unsigned long long)lucidity_node_id());
    if (argc > 5)
        return 0;
    exit(3);
}
