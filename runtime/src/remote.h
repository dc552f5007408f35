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

/* Reads a received setup message up to the arguments; entry gets a
   NUL-terminated name. */
int luc_setup_read(luc_setup *s, char *entry);

#endif
