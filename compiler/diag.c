/*
 * diag.c - renders diagnostics as compilers do, for editors to parse:
 *   file:line:col: error: message
 *   <the source line>
 *   <caret line: spaces (tabs kept), '^' then '~' over the rest of the token>
 */
#include "jobc.h"

#include <string.h>

void jobc_diag_init(jobc_diag *d, const char *path, const char *src, size_t len)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    d->src = src;
    d->len = len;
}

/* Start and length of 1-based line `line` in the source. */
static const char *jobc_diag_line(const jobc_diag *d, int line, size_t *len)
{
    const char *p = d->src, *end = d->src + d->len;
    for (int l = 1; l < line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    if (p >= end && line > 1) return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    if (*len && p[*len - 1] == '\r') (*len)--;
    return p;
}

static void jobc_diag_report(void *user, idl_severity sev, idl_loc loc, const char *msg)
{
    jobc_diag *d = user;
    if (sev == IDL_ERROR) d->errors++;
    jobc_buf_printf(&d->out, "%s:%d:%d: %s: %s\n", d->path, loc.first_line, loc.first_column,
                    sev == IDL_ERROR ? "error" : "note", msg);
    size_t len;
    const char *line = jobc_diag_line(d, loc.first_line, &len);
    if (!line) return;
    jobc_buf_add(&d->out, line, len);
    jobc_buf_puts(&d->out, "\n");
    size_t col = loc.first_column > 0 ? (size_t)loc.first_column - 1 : 0;
    for (size_t i = 0; i < col; i++) {
        jobc_buf_puts(&d->out, i < len && line[i] == '\t' ? "\t" : " ");
    }
    jobc_buf_puts(&d->out, "^");
    if (loc.last_line == loc.first_line) {
        for (int c = loc.first_column + 1; c <= loc.last_column; c++) jobc_buf_puts(&d->out, "~");
    }
    jobc_buf_puts(&d->out, "\n");
}

idl_sink jobc_diag_sink(jobc_diag *d)
{
    idl_sink s = {jobc_diag_report, d};
    return s;
}

void jobc_diag_free(jobc_diag *d)
{
    jobc_buf_free(&d->out);
}
