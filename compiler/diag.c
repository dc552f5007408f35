/*
 * diag.c - renders diagnostics as compilers do, for editors to parse:
 *   file:line:col: error: message
 *   <the source line>
 *   <caret line: spaces (tabs kept), '^' then '~' over the rest of the token>
 */
#include "jobc.h"

#include <stdio.h>
#include <string.h>

void jobc_diag_init(jobc_diag *d, const char *path, const char *src, size_t len, int limit)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    d->src = src;
    d->len = len;
    d->limit = limit;
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

/* One byte of an echoed line: tabs stay (the caret line keeps them too), other control
   bytes and NUL become '?', so the echo is one column per byte and never ends early. */
static char jobc_diag_visible(char c)
{
    return c == '\t' || (unsigned char)c >= 0x20 ? c : '?';
}

static void jobc_diag_report(void *user, idl_severity sev, idl_loc loc, const char *msg)
{
    jobc_diag *d = user;
    if (sev == IDL_ERROR) {
        d->errors++;
        d->muted = d->limit > 0 && d->errors > d->limit;
        if (d->muted && d->errors == d->limit + 1) {
            jobc_buf_printf(&d->out, "%s: error: too many errors (the limit is %d); the rest are "
                            "not shown (--error-limit=0 shows all)\n", d->path, d->limit);
        }
    }
    if (sev == IDL_WARNING) d->warnings++;
    if (d->muted) {
        if (d->immediate && d->out.len) {
            fwrite(d->out.data, 1, d->out.len, stderr);
            d->out.len = 0;
        }
        return;
    }
    jobc_buf_printf(&d->out, "%s:%d:%d: %s: %s\n", d->path, loc.first_line, loc.first_column,
                    sev == IDL_ERROR ? "error" : sev == IDL_WARNING ? "warning" : "note", msg);
    size_t len;
    const char *line = jobc_diag_line(d, loc.first_line, &len);
    if (!line) return;
    /* A long line is clipped to a window around the column, marked with "..." */
    size_t col = loc.first_column > 0 ? (size_t)loc.first_column - 1 : 0;
    size_t from = 0, to = len;
    if (len > JOBC_ECHO_WIDTH) {
        from = col > JOBC_ECHO_WIDTH / 2 ? col - JOBC_ECHO_WIDTH / 2 : 0;
        to = from + JOBC_ECHO_WIDTH < len ? from + JOBC_ECHO_WIDTH : len;
    }
    const char *lead = from ? "..." : "";
    jobc_buf_puts(&d->out, lead);
    for (size_t i = from; i < to; i++) {
        char c = jobc_diag_visible(line[i]);
        jobc_buf_add(&d->out, &c, 1);
    }
    jobc_buf_puts(&d->out, to < len ? "...\n" : "\n");
    jobc_buf_puts(&d->out, lead[0] ? "   " : "");
    for (size_t i = from; i < col && i < to; i++) {
        jobc_buf_puts(&d->out, line[i] == '\t' ? "\t" : " ");
    }
    jobc_buf_puts(&d->out, "^");
    if (loc.last_line == loc.first_line) {
        for (int c = loc.first_column + 1; c <= loc.last_column && (size_t)c <= to; c++) {
            jobc_buf_puts(&d->out, "~");
        }
    }
    jobc_buf_puts(&d->out, "\n");
    if (d->immediate) {
        fwrite(d->out.data, 1, d->out.len, stderr);
        d->out.len = 0;
    }
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
