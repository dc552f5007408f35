/*
 * wire_rw - one version's nanopb reader and writer of shop.Order (tests/jobc/wire).
 *   wire_rw write FILE   encode this version's sample Order into FILE
 *   wire_rw read FILE    decode FILE with this version's descriptor and print the fields
 * Built once per version (-I v1 or -I v2 generated code, -DWIRE_V=1 or 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "order.job.h"

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    static uint8_t buf[4096];
    shop_Order o = {0};
    if (strcmp(argv[1], "write") == 0) {
        o.id = 7;
        o.item = strdup("pen");
        o.qty = 3;
#if WIRE_V == 1
        o.note = strdup("gift");
#else
        o.tags_count = 2;
        o.tags = calloc(2, sizeof *o.tags);
        o.tags[0] = strdup("red");
        o.tags[1] = strdup("blue");
        o.has_rush = true; /* present, and false */
#endif
        pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
        if (!pb_encode(&os, shop_Order_fields, &o)) return 1;
        FILE *f = fopen(argv[2], "wb");
        fwrite(buf, 1, os.bytes_written, f);
        fclose(f);
    } else {
        FILE *f = fopen(argv[2], "rb");
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        pb_istream_t is = pb_istream_from_buffer(buf, n);
        if (!pb_decode(&is, shop_Order_fields, &o)) {
            printf("decode error: %s\n", PB_GET_ERROR(&is));
            return 1;
        }
        printf("id=%llu item=%s qty=%u", (unsigned long long)o.id, o.item ? o.item : "", o.qty);
#if WIRE_V == 1
        printf(" note=%s", o.note ? o.note : "");
#else
        printf(" tags=");
        for (pb_size_t i = 0; i < o.tags_count; i++) printf("%s%s", i ? "," : "", o.tags[i]);
        printf(" rush=%s", o.has_rush ? (o.rush ? "true" : "false") : "absent");
#endif
        printf("\n");
    }
    pb_release(shop_Order_fields, &o);
    return 0;
}
