/*
 * remote.h - what the three processes of the remote path share: entry names,
 * fixed tags and the record formats of batched messages (see remote.c).
 */
#ifndef LUCIDITY_REMOTE_H
#define LUCIDITY_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LUC_COURIER_ENTRY "lucidity_node_courier"
#define LUC_DISPATCHER_ENTRY "lucidity_node_dispatcher"
#define LUC_RETURNER_ENTRY "lucidity_node_returner"
#define LUC_MAX_ENTRY 256

/* Fixed tags of the runtime's own processes (below the 2^48 of call tags). */
#define LUC_BATCH_TAG ((int64_t)1 << 47)          /* courier -> dispatcher */
#define LUC_MARK_TAG (((int64_t)1 << 47) + 2)     /* a process's note to itself */
#define LUC_RETURNER_TAG (((int64_t)1 << 47) + 3) /* the returner's link to its dispatcher */

/* One item (or cancel) of a batch: this head, then entry_len bytes of entry
   name and args_len bytes of encoded arguments (a cancel has neither). The
   caller sends one record per message to its courier (after the message
   header); the courier concatenates them after one LUC_K_BATCH header. */
typedef struct luc_item_rec {
    uint32_t kind; /* LUC_K_ITEM or LUC_K_CANCEL */
    uint32_t entry_len;
    int64_t tag;   /* the call's reply tag (of this dispatch) */
    uint64_t memory, fuel;
    uint32_t args_len;
    uint32_t pool; /* the call's pool option: served by the node's workers (dispatcher.c) */
} luc_item_rec;

/* One result of a LUC_K_RESULTS message (returner -> caller): this head, then
   len bytes: the job's whole REPLY message, header included. */
typedef struct luc_result_rec {
    int64_t tag;
    uint32_t len, pad;
} luc_result_rec;

/* Batches are sent when the sender's mailbox is drained, or at this size. */
#define LUC_BATCH_MAX (256u * 1024u)

/* The process entries (exported by name; see each file). */
void lucidity__node_courier(uint64_t node, uint64_t caller, int64_t tag, uint64_t liveness_ms);
void lucidity__node_dispatcher(uint64_t caller_node, uint64_t caller_pid, int64_t tag,
                               uint64_t liveness_ms);
void lucidity__node_returner(uint64_t caller_node, uint64_t caller_pid, int64_t tag);

/* A growing byte buffer (batches). false: out of memory, nothing appended. */
typedef struct luc_bytes {
    uint8_t *data;
    size_t len, cap;
} luc_bytes;
bool luc_bytes_put(luc_bytes *b, const void *data, size_t len);
/* Appends the received message's bytes from offset `from` on (one read). */
bool luc_bytes_take_msg(luc_bytes *b, size_t from);
/* Sends "look at your mailbox again" to this process (read after what is there now). */
void luc_mark_self(void);

#endif
