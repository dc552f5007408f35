/*
 * remote.h - what the three processes of a remote call share: entry names and
 * the setup message (see remote.c for the picture).
 */
#ifndef LUCIDITY_REMOTE_H
#define LUCIDITY_REMOTE_H

#include <stdint.h>

#define LUC_HELPER_ENTRY "lucidity_remote_helper"
#define LUC_SERVE_ENTRY "lucidity_remote_serve"
#define LUC_PROBER_ENTRY "lucidity_node_prober"
#define LUC_MAX_ENTRY 256

/* The setup message: header (LUC_K_SETUP), this struct, the entry name, then
   the encoded arguments. */
typedef struct luc_setup {
    uint64_t memory, fuel, liveness_ms;
    uint32_t entry_len, args_len;
} luc_setup;

/* The process entries (exported by name; see each file). */
void lucidity__remote_helper(uint64_t node, uint64_t caller, int64_t tag, uint64_t liveness_ms);
void lucidity__remote_serve(uint64_t caller_node, uint64_t caller_pid, int64_t tag,
                            uint64_t liveness_ms);
void lucidity__node_prober(uint64_t node, uint64_t caller, int64_t tag);

/* Reads a received setup message up to the arguments; entry gets a
   NUL-terminated name. */
int luc_setup_read(luc_setup *s, char *entry);

#endif
