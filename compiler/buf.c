/* buf.c - growable text buffers and template filling. */
#include "jobc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jobc_buf_add(jobc_buf *b, const char *s, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + len + 1 > cap) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void jobc_buf_puts(jobc_buf *b, const char *s)
{
    jobc_buf_add(b, s, strlen(s));
}

void jobc_buf_printf(jobc_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        jobc_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) abort();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jobc_buf_add(b, big, (size_t)n);
    free(big);
}

void jobc_buf_free(jobc_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

const char *jobc_tmpl_value(const char *const *kv, const char *key, size_t klen)
{
    for (const char *const *k = kv; *k; k += 2) {
        if (strlen(*k) == klen && strncmp(*k, key, klen) == 0) return k[1];
    }
    return NULL;
}

void jobc_tmpl(jobc_buf *out, const char *tmpl, const char *const *kv)
{
    const char *p = tmpl;
    for (;;) {
        const char *open = strstr(p, "${");
        if (!open) break;
        jobc_buf_add(out, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        if (!close) abort();
        size_t klen = (size_t)(close - open - 2);
        const char *value = jobc_tmpl_value(kv, open + 2, klen);
        if (!value) {
            fprintf(stderr, "jobc: internal error: template key '%.*s' not provided\n", (int)klen,
                    open + 2);
            abort();
        }
        jobc_buf_puts(out, value);
        p = close + 1;
    }
    jobc_buf_puts(out, p);
}
