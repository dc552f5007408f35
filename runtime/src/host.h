/*
 * host.h - lunatic 0.13.2 host functions, as a C guest sees them.
 *
 * The only file that names lunatic's import modules. In the wasm32 build each
 * lh_* function is a wasm import; in the native test build (LUCIDITY_FAKE_HOST)
 * the same names are plain functions provided by tests/native/fake_host.c, so
 * the runtime's logic can be unit-tested without a VM.
 *
 * Verified against lunatic-solutions/lunatic v0.13.2, crates/lunatic-*-api.
 * Types: ids are u64 (wasm i64); pointers and lengths are wasm i32.
 */
#ifndef LUCIDITY_HOST_H
#define LUCIDITY_HOST_H

#include <stdint.h>

#if defined(__wasm__) && !defined(LUCIDITY_FAKE_HOST)
#define LH_IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#else
#define LH_IMPORT(mod, name)
#endif

/* receive() results and the timeout error code shared by several calls */
enum {
    LH_RECV_DATA = 0,
    LH_RECV_LINK_DIED = 1,
    LH_RECV_PROCESS_DIED = 2,
    LH_TIMEOUT = 9027,
};

/* distributed.spawn() results other than 0 */
enum {
    LH_DSPAWN_NODE_NOT_FOUND = 1,
    LH_DSPAWN_MODULE_NOT_FOUND = 2,
};

/* distributed.send() results other than 0 */
enum {
    LH_DSEND_NO_PROCESS = 1,
    LH_DSEND_NO_NODE = 2,
};

/* Spawn parameters: 17-byte records, a type byte then a little-endian u128. */
#define LH_PARAM_I32 0x7F
#define LH_PARAM_I64 0x7E
#define LH_PARAM_SIZE 17

/* ---- lunatic::process ---- */
LH_IMPORT("lunatic::process", "process_id") uint64_t lh_process_id(void);
LH_IMPORT("lunatic::process", "create_config") int64_t lh_create_config(void);
LH_IMPORT("lunatic::process", "drop_config") void lh_drop_config(uint64_t config);
LH_IMPORT("lunatic::process", "config_set_max_memory")
void lh_config_set_max_memory(uint64_t config, uint64_t bytes);
LH_IMPORT("lunatic::process", "config_set_max_fuel")
void lh_config_set_max_fuel(uint64_t config, uint64_t units);
LH_IMPORT("lunatic::process", "config_set_can_spawn_processes")
void lh_config_set_can_spawn_processes(uint64_t config, uint32_t can);
LH_IMPORT("lunatic::process", "config_set_can_create_configs")
void lh_config_set_can_create_configs(uint64_t config, uint32_t can);
LH_IMPORT("lunatic::process", "spawn")
uint32_t lh_spawn(uint64_t link, int64_t config, int64_t module, const char *fn, uint32_t fn_len,
                  const uint8_t *params, uint32_t params_len, uint64_t *id_out);
LH_IMPORT("lunatic::process", "sleep_ms") void lh_sleep_ms(uint64_t ms);
LH_IMPORT("lunatic::process", "die_when_link_dies") void lh_die_when_link_dies(uint32_t yes);
LH_IMPORT("lunatic::process", "link") void lh_link(uint64_t tag, uint64_t pid);
LH_IMPORT("lunatic::process", "unlink") void lh_unlink(uint64_t pid);
LH_IMPORT("lunatic::process", "kill") void lh_kill(uint64_t pid);
LH_IMPORT("lunatic::process", "exists") uint32_t lh_exists(uint64_t pid);

/* ---- lunatic::message ---- */
LH_IMPORT("lunatic::message", "create_data") void lh_create_data(uint64_t tag, uint64_t capacity);
LH_IMPORT("lunatic::message", "write_data") uint32_t lh_write_data(const void *data, uint32_t len);
LH_IMPORT("lunatic::message", "read_data") uint32_t lh_read_data(void *data, uint32_t len);
LH_IMPORT("lunatic::message", "seek_data") void lh_seek_data(uint64_t index);
LH_IMPORT("lunatic::message", "get_tag") int64_t lh_get_tag(void);
LH_IMPORT("lunatic::message", "data_size") uint64_t lh_data_size(void);
LH_IMPORT("lunatic::message", "send") uint32_t lh_send(uint64_t pid);
/* tags: array of little-endian i64; count 0 = any tag; timeout UINT64_MAX = forever */
LH_IMPORT("lunatic::message", "receive")
uint32_t lh_receive(const int64_t *tags, uint32_t count, uint64_t timeout_ms);

/* ---- lunatic::distributed ---- */
LH_IMPORT("lunatic::distributed", "node_id") uint64_t lh_node_id(void);
LH_IMPORT("lunatic::distributed", "module_id") uint64_t lh_module_id(void);
LH_IMPORT("lunatic::distributed", "nodes_count") uint32_t lh_nodes_count(void);
LH_IMPORT("lunatic::distributed", "get_nodes") uint32_t lh_get_nodes(uint64_t *ids, uint32_t max);
LH_IMPORT("lunatic::distributed", "spawn")
uint32_t lh_dist_spawn(uint64_t node, int64_t config, uint64_t module, const char *fn,
                       uint32_t fn_len, const uint8_t *params, uint32_t params_len,
                       uint64_t *id_out);
LH_IMPORT("lunatic::distributed", "send") uint32_t lh_dist_send(uint64_t node, uint64_t pid);

/* ---- lunatic::error ---- */
LH_IMPORT("lunatic::error", "string_size") uint32_t lh_error_string_size(uint64_t id);
LH_IMPORT("lunatic::error", "to_string") void lh_error_to_string(uint64_t id, char *buf);
LH_IMPORT("lunatic::error", "drop") void lh_error_drop(uint64_t id);

/* ---- clock ----
 * Not a lunatic import: WASI's monotonic clock (wasi-libc's clock_gettime),
 * behind an lh_ name so the fake host can simulate time and test timeouts
 * deterministically. */
#ifdef LUCIDITY_FAKE_HOST
uint64_t lh_clock_ms(void);
#else
#include <time.h>
static inline uint64_t lh_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
#endif

/* Encodes one spawn parameter record at p (LH_PARAM_SIZE bytes). */
static inline void lh_param_i64(uint8_t *p, uint64_t v)
{
    p[0] = LH_PARAM_I64;
    for (int i = 0; i < 16; i++)
        p[1 + i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

#endif
