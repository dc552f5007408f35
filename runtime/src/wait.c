/*
 * wait.c - the one wait loop, for single calls and fanouts alike (the only
 * place besides draining that receives). Each round is one blocking lunatic
 * receive over the set's tags whose timeout is the set's next wake-up (or the
 * give-up time): no sleep loops, no polling. A message under a place's tag
 * (a remote node's courier, or its results) is the transport's, and counts as a
 * wake-up; the replies in a batch of results are handed to the waiter directly.
 */
#include "host.h"
#include "internal.h"

static bool luc_wants(const luc_wait_set *ws, int64_t tag)
{
    if (ws->wants)
        return ws->wants(ws->ctx, tag);
    const int64_t *tags;
    size_t k = ws->tags(ws->ctx, &tags);
    for (size_t i = 0; i < k; i++)
        if (tags[i] == tag)
            return true;
    return false;
}

/* A message under a place's tag is its transport's. A batch of results it
   carried is handed out reply by reply: to this wait set when the reply is
   ours, else to our mailbox, where its own waiter will receive it. */
static bool luc_place_message(const luc_wait_set *ws, int64_t tag, uint32_t received)
{
    for (const luc_transport *const *t = luc_transports; *t; t++) {
        if (!(*t)->place_message || !(*t)->place_message(tag, received))
            continue;
        ws->on_wake(ws->ctx);
        int64_t reply;
        while ((*t)->place_next && (*t)->place_next(&reply)) {
            if (luc_wants(ws, reply))
                ws->on_message(ws->ctx, LH_RECV_DATA, reply);
            else
                (*t)->place_defer();
            luc_msg_read_buffer();
        }
        return true;
    }
    return false;
}

void luc_wait(const luc_wait_set *ws, uint64_t give_up)
{
    for (;;) {
        uint64_t now = luc_now_ms();
        uint64_t wake = ws->wake_ms(ws->ctx);
        if (give_up && (!wake || give_up < wake))
            wake = give_up;
        uint64_t wait = !wake ? LUCIDITY_NONE : wake > now ? wake - now : 0;
        const int64_t *tags;
        size_t k = ws->tags(ws->ctx, &tags);
        luc_msg_read_buffer(); /* a receive replaces the message being read */
        uint32_t r = lh_receive(tags, (uint32_t)k, wait);
        if (r == LH_TIMEOUT)
            ws->on_wake(ws->ctx);
        else if (!luc_place_message(ws, lh_get_tag(), r))
            ws->on_message(ws->ctx, r, lh_get_tag());
        if (ws->done(ws->ctx) || (give_up && luc_now_ms() >= give_up))
            return;
    }
}
