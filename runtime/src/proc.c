/*
 * proc.c - job processes: configs with the job's limits, spawn, stop, tags,
 * and the clock arithmetic every wait uses.
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "internal.h"

/* Reply and link tags of this process's calls. Each lunatic process is its
 * own wasm instance, so this counter is per process, never shared. Tags start
 * at 2^48 to stay clear of tags an application picks for its own messages. */
static int64_t luc_tag_counter = (int64_t)1 << 48;
/* A pool worker's request tag, chosen by its caller's counter: this process
   never makes it a tag of its own, so no receive or drain of ours takes a
   request (0: none). */
static int64_t luc_tag_reserved;

int64_t luc_new_tag(void)
{
    if (++luc_tag_counter == luc_tag_reserved)
        ++luc_tag_counter;
    return luc_tag_counter;
}

void luc_tag_reserve(int64_t tag)
{
    luc_tag_reserved = tag;
}

/* Milliseconds on the monotonic clock, never 0: absolute times of 0 mean
 * "none" throughout the runtime, and lunatic starts each instance's clock near 0. */
uint64_t luc_now_ms(void)
{
    return lh_clock_ms() + 1u;
}

/* Times and periods come from the caller (up to UINT64_MAX): they saturate
 * instead of wrapping into the past. */
uint64_t luc_add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t luc_mul_sat(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

uint64_t luc_lost_after(uint64_t liveness_ms)
{
    uint64_t after = luc_mul_sat(LUC_LOST_INTERVALS, liveness_ms);
    return after < LUC_LOST_MIN_MS ? LUC_LOST_MIN_MS : after;
}

/* Calls from this process must see a failing job as a message, not die with it. */
static void luc_survive_links(void)
{
    static bool done;
    if (!done) {
        lh_die_when_link_dies(0);
        done = true;
    }
}

/* A config with the given limits; jobs may call jobs themselves. */
int64_t luc_config(uint64_t memory, uint64_t fuel)
{
    int64_t cfg = lh_create_config();
    if (cfg < 0)
        return cfg;
    lh_config_set_max_memory((uint64_t)cfg, memory);
    lh_config_set_max_fuel((uint64_t)cfg, fuel == LUCIDITY_NONE ? 0 : fuel);
    lh_config_set_can_spawn_processes((uint64_t)cfg, 1);
    lh_config_set_can_create_configs((uint64_t)cfg, 1);
    return cfg;
}

/* Why a spawn failed, from lunatic's error (id dropped here). An unmetered VM
 * (LUNATIC_NO_FUEL=1: vm/patches/lunatic-process-0.13.2-no-fuel.patch) cannot
 * enforce a fuel limit and refuses the spawn with an error that starts with
 * this text: the caller gets ENOFUEL, never a job running without its limit. */
#define LUC_NO_FUEL_ERROR "fuel metering is off on this node"
static int luc_spawn_error(uint64_t error)
{
    uint32_t len = lh_error_string_size(error);
    char *text = malloc((size_t)len + 1u);
    int rc = LUCIDITY_ESPAWN;
    if (text) {
        lh_error_to_string(error, text);
        text[len] = '\0';
        if (strncmp(text, LUC_NO_FUEL_ERROR, sizeof LUC_NO_FUEL_ERROR - 1) == 0)
            rc = LUCIDITY_ENOFUEL;
        free(text);
    }
    lh_error_drop(error);
    return rc;
}

int luc_spawn_unguarded(int64_t link, int64_t config, const char *entry,
                        const uint64_t *params, int n, uint64_t *pid)
{
    luc_survive_links();
    uint8_t buf[4 * LH_PARAM_SIZE];
    if (n < 0 || n > 4)
        return LUCIDITY_EINVAL;
    for (int i = 0; i < n; i++)
        lh_param_i64(buf + i * LH_PARAM_SIZE, params[i]);
    uint64_t id = 0;
    uint32_t rc = lh_spawn((uint64_t)link, config, -1, entry, (uint32_t)strlen(entry), buf,
                           (uint32_t)(n * LH_PARAM_SIZE), &id);
    if (rc != 0)
        return luc_spawn_error(id);
    *pid = id;
    return LUCIDITY_OK;
}

int luc_spawn(int64_t link, int64_t config, const char *entry, const uint64_t *params, int n,
              uint64_t *pid)
{
    /* A job's children must not outlive it: no guard, no child. */
    if (luc_guard_ready() != LUCIDITY_OK)
        return LUCIDITY_ESPAWN;
    int rc = luc_spawn_unguarded(link, config, entry, params, n, pid);
    if (rc == LUCIDITY_OK && luc_guard_adopt(*pid) != LUCIDITY_OK) {
        lh_unlink(*pid); /* unguarded, it could outlive us: it may not run */
        lh_kill(*pid);
        rc = LUCIDITY_ESPAWN;
    }
    return rc;
}

/* Spawns a job's entry linked to us with link tag == reply tag, so one tagged
 * receive yields either the reply or the job's death, in a config with the
 * call's limits. Caller node 0 tells the job to reply with a local send. */
int luc_spawn_job_as(const char *entry, uint64_t memory, uint64_t fuel, int64_t tag,
                     uint64_t caller_node, uint64_t *pid)
{
    int64_t cfg = luc_config(memory, fuel);
    if (cfg < 0)
        return LUCIDITY_ESPAWN;
    const uint64_t params[3] = {caller_node, lh_process_id(), (uint64_t)tag};
    int rc = luc_spawn(tag, cfg, entry, params, 3, pid);
    lh_drop_config((uint64_t)cfg);
    return rc;
}

int luc_spawn_job(const char *entry, uint64_t memory, uint64_t fuel, int64_t tag, uint64_t *pid)
{
    return luc_spawn_job_as(entry, memory, fuel, tag, 0, pid);
}

/* Stops a process we no longer wait for: unlink first so its death sends
 * nothing, kill it (its guard then ends what it spawned), then drop any reply
 * that raced in, so no stale message stays under a tag nobody asks for again. */
void luc_stop(uint64_t pid, int64_t tag)
{
    if (pid) {
        lh_unlink(pid);
        lh_kill(pid);
    }
    luc_drain(tag);
}

void luc_drain(int64_t tag)
{
    luc_msg_read_buffer(); /* a receive replaces the message being read */
    while (lh_receive(&tag, 1, 0) != LH_TIMEOUT)
        ;
}
