/*
 * libFuzzer target for jobc's front end: parse, check, and (when the input is
 * valid) emit all three outputs into memory, as `jobc` does for a file.
 * Built with ASan + UBSan by tests/fuzz/run.sh; any crash, leak, UB report or
 * hang is a finding. Seed corpus: every .job under tests/jobc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = 0;
    jobc_diag d;
    jobc_diag_init(&d, "fuzz.job", src, size, JOBC_ERROR_LIMIT);
    idl_sink sink = jobc_diag_sink(&d);
    idl_file *f = NULL;
    idl_parse("fuzz.job", src, size, &sink, &f);
    jobc_model m;
    jobc_check(f, &sink, &m);
    if (d.errors == 0) {
        jobc_buf out = {0};
        jobc_emit_header(&m, "fuzz", &out);
        jobc_emit_source(&m, "fuzz", &out);
        jobc_emit_proto(&m, "fuzz", &out);
        jobc_buf_free(&out);
    }
    jobc_model_free(&m);
    idl_file_free(f);
    jobc_diag_free(&d);
    free(src);
    return 0;
}
