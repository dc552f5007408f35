/*
 * examples/shop - two .job files, one importing the other (catalog.job: an enum and
 * messages with optional fields; orders.job: the job), fanned out over the cluster.
 *   lucidity run --nodes 2 build/wasm/examples/shop/shop.wasm
 * Every bill is checked against the same arithmetic done here, in the caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders.job.h"

static uint64_t line_cents(const orders_Line *l)
{
    uint64_t c = l->item.price.cents * l->count;
    if (l->item.price.has_discount_percent) c -= c * l->item.price.discount_percent / 100;
    return c;
}

static orders_Bill price(const orders_Order *o)
{
    orders_Bill b = {.order = o->id};
    for (pb_size_t i = 0; i < o->lines_count; i++) {
        b.total_cents += line_cents(&o->lines[i]);
        b.books += o->lines[i].item.kind == catalog_Kind_BOOK;
        b.gift_notes += o->lines[i].item.gift_note != NULL; /* absent: NULL */
    }
    if (o->coupon) { /* optional string: present when not NULL */
        b.total_cents -= b.total_cents * 5 / 100;
        b.has_coupon_used = true;
        b.coupon_used = true;
    }
    return b;
}

/* The job: runs on a worker node. */
orders_Bill orders_bill(const orders_Order *order) { return price(order); }

#define NORDERS 12

int main(void)
{
    static const char *const names[] = {"", "a book", "a pen", "paper"};
    orders_bill_args items[NORDERS];
    memset(items, 0, sizeof items);
    for (uint32_t i = 0; i < NORDERS; i++) {
        orders_Order *o = &items[i].order;
        o->id = 100 + i;
        o->lines_count = 1 + i % 3;
        o->lines = calloc(o->lines_count, sizeof *o->lines);
        for (pb_size_t k = 0; k < o->lines_count; k++) {
            orders_Line *l = &o->lines[k];
            l->item.kind = (catalog_Kind)(1 + (i + k) % 3);
            l->item.name = (char *)names[l->item.kind];
            l->item.price.cents = 250 * (k + 1) + i;
            if ((i + k) % 2) { /* an optional u32: set its flag to send it */
                l->item.price.has_discount_percent = true;
                l->item.price.discount_percent = 10;
            }
            if (k == 0 && i % 4 == 0) l->item.gift_note = "for you";
            l->count = 1 + k;
        }
        if (i % 3 == 0) o->coupon = "SPRING";
    }
    orders_Bill bills[NORDERS];
    int status[NORDERS];
    int rc = orders_bill_remote_fanout(items, NORDERS, bills, status);
    int bad = rc != LUCIDITY_OK;
    uint64_t sum = 0;
    for (int i = 0; i < NORDERS; i++) {
        orders_Bill want = price(&items[i].order);
        int ok = status[i] == LUCIDITY_OK && bills[i].order == want.order &&
                 bills[i].total_cents == want.total_cents && bills[i].books == want.books &&
                 bills[i].gift_notes == want.gift_notes && bills[i].has_coupon_used == want.has_coupon_used;
        bad |= !ok;
        sum += bills[i].total_cents;
        printf("order %u: %llu cents, %u books, %u gift notes%s%s\n", bills[i].order,
               (unsigned long long)bills[i].total_cents, bills[i].books, bills[i].gift_notes,
               bills[i].has_coupon_used ? ", coupon" : "", ok ? "" : " FAIL");
        free(items[i].order.lines);
    }
    printf("%s: %d bills, %llu cents in all\n", bad ? "FAIL shop" : "shop ok", NORDERS,
           (unsigned long long)sum);
    fflush(stdout);
    return bad;
}
