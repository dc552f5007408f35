/*
 * exit.c - tells `lucidity run` how the app ended.
 *
 * A lunatic node keeps running after its app's _start returns, and lunatic
 * reports no exit code, so a launcher cannot see when or how the app ended.
 * When LUCIDITY_EXIT_MARKER is set (by `lucidity run`), the app prints one
 * line "<marker> <status>" as it ends, which the launcher strips from the
 * output. The runtime's link options carry -Wl,--wrap=exit, so every exit()
 * (and a non-zero return from main, which libc turns into exit()) comes
 * here; a return of 0 from main runs only destructors, so the destructor
 * reports 0.
 *
 * In a job process, exit() also ends the call: luc_serve_exit() replies
 * LUCIDITY_EEXIT with the code first (lunatic would report exit(0) as a
 * normal finish, with no reply and no link death: a caller waiting forever).
 *
 * wasm-ld wraps every exported function of a command module in calls to the
 * constructors and destructors, so spawned processes run them too, and the
 * runtime's own processes (e.g. a courier) inherit the app's environment (config -1). Each process
 * entry of the runtime therefore calls luc_exit_silence() first: only the
 * app's main process reports.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static const char *luc_exit_marker;

void luc_exit_silence(void)
{
    luc_exit_marker = NULL;
}

#ifdef __wasm__
_Noreturn void __real_exit(int status);

static int luc_exit_reported;

__attribute__((constructor)) static void luc_exit_init(void)
{
    luc_exit_marker = getenv("LUCIDITY_EXIT_MARKER");
}

static void luc_exit_report(int status)
{
    if (!luc_exit_marker || luc_exit_reported)
        return;
    luc_exit_reported = 1;
    fflush(stdout);
    printf("\n%s %d\n", luc_exit_marker, status);
    fflush(stdout);
}

_Noreturn void __wrap_exit(int status)
{
    luc_serve_exit(status);
    luc_exit_report(status);
    __real_exit(status);
}

__attribute__((destructor)) static void luc_exit_at_end(void)
{
    luc_exit_report(0);
}
#endif
