/*
 * Smoke test of the raw lunatic host ABI under `lunatic run` (no runtime):
 *  1. spawn a child on an exported entry with i64 params, send it a tagged
 *     message, receive its tagged reply with a timeout, check the value;
 *  2. a linked child that traps reaches the parent as LinkDied (after
 *     die_when_link_dies(0)) instead of killing it.
 * Prints "local smoke: ok" and exits 0 on success.
 */
#include "smoke_util.h"

enum { TAG_REQUEST = 101, TAG_REPLY = 102, LINK_TRAPPER = 77 };

/* Child: receives a u64 tagged TAG_REQUEST, replies value * factor to parent. */
EXPORT("smoke_multiplier") void smoke_multiplier(uint64_t parent, uint64_t factor)
{
    int64_t tag = TAG_REQUEST;
    if (lh_receive(&tag, 1, 5000) != LH_RECV_DATA)
        return;
    uint64_t v = smoke_get_u64();
    smoke_put_u64(TAG_REPLY, v * factor);
    lh_send(parent);
}

EXPORT("smoke_trapper") void smoke_trapper(void)
{
    __builtin_trap();
}

int main(void)
{
    uint64_t self = lh_process_id();
    uint64_t child;
    uint64_t args[2] = {self, 7};
    CHECK(smoke_spawn(0, "smoke_multiplier", args, 2, &child) == 0, "spawn failed");

    smoke_put_u64(TAG_REQUEST, 6);
    lh_send(child);

    int64_t want = TAG_REPLY;
    uint32_t r = lh_receive(&want, 1, 5000);
    CHECK(r == LH_RECV_DATA, "receive returned %u", r);
    CHECK(lh_get_tag() == TAG_REPLY, "tag %lld", (long long)lh_get_tag());
    uint64_t got = smoke_get_u64();
    CHECK(got == 42, "child replied %llu", (unsigned long long)got);
    printf("reply: 6 * 7 = %llu\n", (unsigned long long)got);

    lh_die_when_link_dies(0);
    uint64_t trapper;
    CHECK(smoke_spawn(LINK_TRAPPER, "smoke_trapper", NULL, 0, &trapper) == 0, "spawn failed");
    int64_t link_tag = LINK_TRAPPER;
    r = lh_receive(&link_tag, 1, 5000);
    CHECK(r == LH_RECV_LINK_DIED, "receive returned %u, wanted LinkDied", r);
    CHECK(lh_get_tag() == LINK_TRAPPER, "link tag %lld", (long long)lh_get_tag());
    CHECK(!lh_exists(trapper), "trapped child still exists");
    printf("trapping child reported as LinkDied (tag %d)\n", LINK_TRAPPER);

    printf("local smoke: ok\n");
    return 0;
}
