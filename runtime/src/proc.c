/*
 * proc.c - job processes: configs with the job's limits, spawn, stop, tags.
 */
#include <string.h>

#include "host.h"
#include "internal.h"

/* Reply and link tags of this process's calls. Each lunatic process is its
 * own wasm instance, so this counter is per process, never shared. Tags start
 * at 2^48 to stay clear of tags an application picks for its own messages. */
static int64_t luc_tag_counter = (int64_t)1 << 48;

int64_t luc_new_tag(void)
{
    return ++luc_tag_counter;
}

uint64_t luc_now_ms(void)
{
    return lh_clock_ms();
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

/* A config with the call's memory and fuel; jobs may call jobs themselves. */
static int64_t luc_config(const lucidity_opts *o)
{
    int64_t cfg = lh_create_config();
    if (cfg < 0)
        return cfg;
    lh_config_set_max_memory((uint64_t)cfg, o->memory);
    lh_config_set_max_fuel((uint64_t)cfg, o->fuel == LUCIDITY_NONE ? 0 : o->fuel);
    lh_config_set_can_spawn_processes((uint64_t)cfg, 1);
    lh_config_set_can_create_configs((uint64_t)cfg, 1);
    return cfg;
}

/* Spawns job's entry linked to us with link tag == reply tag, so one tagged
 * receive yields either the reply or the job's death. */
int luc_spawn_job(const lucidity_job *job, const lucidity_opts *o, int64_t tag, uint64_t *pid)
{
    luc_survive_links();
    int64_t cfg = luc_config(o);
    if (cfg < 0)
        return LUCIDITY_ESPAWN;
    uint8_t params[3 * LH_PARAM_SIZE];
    lh_param_i64(params, 0); /* caller node: 0 = same node, reply with a local send */
    lh_param_i64(params + LH_PARAM_SIZE, lh_process_id());
    lh_param_i64(params + 2 * LH_PARAM_SIZE, (uint64_t)tag);
    uint64_t id = 0;
    uint32_t rc = lh_spawn((uint64_t)tag, cfg, -1, job->entry, (uint32_t)strlen(job->entry),
                           params, sizeof params, &id);
    lh_drop_config((uint64_t)cfg);
    if (rc != 0) {
        lh_error_drop(id);
        return LUCIDITY_ESPAWN;
    }
    *pid = id;
    return LUCIDITY_OK;
}

/* Stops a job we no longer wait for: unlink first so its death sends nothing,
 * kill it, then drop any reply that raced in, so no stale message stays in
 * our mailbox under a tag nobody will ask for again. */
void luc_stop(uint64_t pid, int64_t tag)
{
    lh_unlink(pid);
    lh_kill(pid);
    while (lh_receive(&tag, 1, 0) != LH_TIMEOUT)
        ;
}
