/* names.c - hash map of names, reserved names, and the names the templates generate. */
#include "names.h"

#include "jobc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* --- hash map ---------------------------------------------------------------------- */

static size_t jobc_hash(const char *s)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct jobc_name_slot *jobc_names_find(const jobc_names *t, const char *key, size_t h)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct jobc_name_slot *s = &t->slots[i];
        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0)) return s;
    }
}

void *jobc_names_get(const jobc_names *t, const char *key)
{
    if (!t->cap) return NULL;
    struct jobc_name_slot *s = jobc_names_find(t, key, jobc_hash(key));
    return s->key ? s->value : NULL;
}

void *jobc_names_put(jobc_names *t, const char *key, void *value)
{
    if (2 * (t->len + 1) > t->cap) { /* keep the load below one half */
        jobc_names old = *t;
        t->cap = old.cap ? 2 * old.cap : 64;
        t->slots = calloc(t->cap, sizeof *t->slots);
        if (!t->slots) abort();
        for (size_t i = 0; i < old.cap; i++) {
            if (old.slots[i].key) *jobc_names_find(t, old.slots[i].key, old.slots[i].hash) = old.slots[i];
        }
        free(old.slots);
    }
    size_t h = jobc_hash(key);
    struct jobc_name_slot *s = jobc_names_find(t, key, h);
    if (s->key) return s->value;
    *s = (struct jobc_name_slot){key, h, value};
    t->len++;
    return NULL;
}

void jobc_names_free(jobc_names *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* --- reserved names ------------------------------------------------------------------- */

/* Namespaces of the libraries generated code links with: any name in them may be
   taken by a later version, so none is given to a user's declaration. */
static const char *const jobc_reserved_prefixes[] = {"pb_", "PB_", "lucidity_", "LUCIDITY_",
                                                      "luc_", NULL};

static int jobc_reserved_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const jobc_reserved *)elem)->name);
}

const jobc_reserved *jobc_reserved_lookup(const char *name)
{
    static const jobc_reserved prefix = {"", JOBC_RESERVED_PREFIX};
    const jobc_reserved *r =
        bsearch(name, jobc_reserved_names, jobc_nreserved, sizeof *r, jobc_reserved_cmp);
    if (r) return r;
    for (const char *const *p = jobc_reserved_prefixes; *p; p++) {
        if (strncmp(name, *p, strlen(*p)) == 0) return &prefix;
    }
    return NULL;
}

/* First index in a sorted array of n names (stride bytes apart) that is >= key. */
static size_t jobc_lower_bound(const void *base, size_t n, size_t stride, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(*(const char *const *)((const char *)base + mid * stride), key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static bool jobc_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool jobc_reserved_may_extend(const char *prefix)
{
    size_t i = jobc_lower_bound(jobc_reserved_names, jobc_nreserved, sizeof *jobc_reserved_names,
                                prefix);
    if (i < jobc_nreserved && jobc_starts(jobc_reserved_names[i].name, prefix)) return true;
    for (const char *const *p = jobc_reserved_prefixes; *p; p++) {
        if (jobc_starts(prefix, *p) || jobc_starts(*p, prefix)) return true;
    }
    return false;
}

const char *jobc_reserved_what(jobc_reserved_kind kind)
{
    switch (kind) {
    case JOBC_RESERVED_LIBC: return "a name of the C library";
    case JOBC_RESERVED_MACRO: return "a macro of the C library, nanopb or the compiler";
    case JOBC_RESERVED_NANOPB: return "a name of nanopb";
    case JOBC_RESERVED_LUCIDITY: return "a name of the lucidity runtime";
    case JOBC_RESERVED_PREFIX: return "in a namespace reserved for nanopb and lucidity "
                                      "(pb_, PB_, lucidity_, LUCIDITY_, luc_)";
    case JOBC_RESERVED_PROGRAM: return "the program's entry point";
    }
    return "reserved";
}

/* --- names the templates generate ------------------------------------------------------ */

static int jobc_strptr_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool jobc_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Placeholders that stand for the user's parameters in a signature. */
static bool jobc_gen_has_params(const char *line, size_t len)
{
    static const char *const keys[] = {"${params_c}", "${inline_params}", "${impl_params}", NULL};
    for (size_t k = 0; keys[k]; k++) {
        size_t n = strlen(keys[k]);
        for (size_t i = 0; i + n <= len; i++) {
            if (memcmp(line + i, keys[k], n) == 0) return true;
        }
    }
    return false;
}

static void jobc_gen_add(jobc_gen_table *g, const char *start, size_t len, bool beside)
{
    char *tok = strndup(start, len);
    if (!tok) abort();
    if (strstr(tok, "${")) {
        for (size_t i = 0; i < g->npatterns; i++) {
            if (strcmp(g->patterns[i], tok) == 0) {
                free(tok);
                return;
            }
        }
        g->patterns = realloc(g->patterns, (g->npatterns + 1) * sizeof(char *));
        if (!g->patterns) abort();
        g->patterns[g->npatterns++] = tok;
        return;
    }
    bool kept = false;
    if (beside && !jobc_names_get(&g->beside, tok)) {
        jobc_names_put(&g->beside, tok, tok);
        kept = true;
    }
    if (!jobc_names_get(&g->literals, tok)) {
        jobc_names_put(&g->literals, tok, tok);
        kept = true;
    }
    if (!kept) free(tok);
}

/* A function of the user's parameters runs from the line naming them to the end of
   that line (a one-line function or prototype) or to the next line starting with '}'. */
static void jobc_gen_scan(jobc_gen_table *g, const char *p)
{
    bool bol = true, beside = false, block = false;
    while (*p) {
        if (bol) {
            const char *eol = strchr(p, '\n');
            size_t len = eol ? (size_t)(eol - p) : strlen(p);
            if (block) {
                block = p[0] != '}';
            } else {
                beside = jobc_gen_has_params(p, len);
                block = beside && len && p[len - 1] != ';' && p[len - 1] != '}';
            }
            beside = beside || block;
            bol = false;
            while (*p == ' ' || *p == '\t') p++;
            if (*p == '#') { /* a directive: skip its name, and all of #include and #error */
                p++;
                while (*p == ' ') p++;
                const char *name = p;
                while (jobc_ident_char(*p)) p++;
                if (strncmp(name, "include", 7) == 0 || strncmp(name, "error", 5) == 0) {
                    while (*p && *p != '\n') p++;
                }
            }
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n') p++;
        } else if (*p == '"' || *p == '\'') {
            char q = *p++;
            while (*p && *p != q) p += (*p == '\\' && p[1]) ? 2 : 1;
            if (*p) p++;
        } else if (jobc_ident_char(*p) || (p[0] == '$' && p[1] == '{')) {
            const char *start = p;
            bool number = isdigit((unsigned char)*p);
            while (jobc_ident_char(*p) || (p[0] == '$' && p[1] == '{')) {
                if (*p == '$') {
                    const char *close = strchr(p, '}');
                    p = close ? close + 1 : p + 2;
                } else {
                    p++;
                }
            }
            if (!number) jobc_gen_add(g, start, (size_t)(p - start), beside);
        } else {
            bol = *p++ == '\n';
        }
    }
}

void jobc_gen_read(jobc_gen_table *g)
{
    memset(g, 0, sizeof *g);
    for (size_t i = 0; i < jobc_template_count(); i++) {
        const char *name = jobc_template_name(i);
        size_t n = strlen(name);
        if (n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h')) {
            jobc_gen_scan(g, jobc_template(name));
        }
    }
    static const char *const emitted[] = {JOBC_OUT_PARAM, JOBC_OUTS_PARAM, NULL};
    for (size_t i = 0; emitted[i]; i++) jobc_gen_add(g, emitted[i], strlen(emitted[i]), true);
    g->sorted = malloc((g->literals.len + 1) * sizeof *g->sorted);
    if (!g->sorted) abort();
    for (size_t i = 0; i < g->literals.cap; i++) {
        if (g->literals.slots[i].key) g->sorted[g->nsorted++] = g->literals.slots[i].key;
    }
    qsort(g->sorted, g->nsorted, sizeof *g->sorted, jobc_strptr_cmp);
}

void jobc_gen_free(jobc_gen_table *g)
{
    for (size_t i = 0; i < g->npatterns; i++) free(g->patterns[i]);
    free(g->patterns);
    /* a literal is kept by one map or both: free each string once */
    for (size_t i = 0; i < g->literals.cap; i++) {
        const char *k = g->literals.slots[i].key;
        if (k && jobc_names_get(&g->beside, k) != k) free((char *)k);
    }
    for (size_t i = 0; i < g->beside.cap; i++) free((char *)g->beside.slots[i].key);
    free(g->sorted);
    jobc_names_free(&g->literals);
    jobc_names_free(&g->beside);
    memset(g, 0, sizeof *g);
}

bool jobc_gen_literal_may_extend(const jobc_gen_table *g, const char *prefix)
{
    size_t i = jobc_lower_bound(g->sorted, g->nsorted, sizeof *g->sorted, prefix);
    return i < g->nsorted && jobc_starts(g->sorted[i], prefix);
}

bool jobc_gen_is_template_ident(const jobc_gen_table *g, const char *ident)
{
    return jobc_names_get(&g->literals, ident) != NULL;
}

bool jobc_gen_is_beside_params(const jobc_gen_table *g, const char *ident)
{
    return jobc_names_get(&g->beside, ident) != NULL;
}

/* Fills pattern p with kv into out; false when it names a key kv lacks or no key at all. */
static bool jobc_gen_fill(const char *p, const char *const *kv, jobc_buf *out)
{
    bool any = false;
    out->len = 0;
    jobc_buf_puts(out, "");
    while (*p) {
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p, '}');
            const char *value = jobc_tmpl_value(kv, p + 2, (size_t)(close - p - 2));
            if (!value) return false;
            jobc_buf_puts(out, value);
            any = true;
            p = close + 1;
        } else {
            jobc_buf_add(out, p++, 1);
        }
    }
    return any;
}

void jobc_gen_names(const jobc_gen_table *g, const char *const *kv,
                    void (*fn)(void *user, const char *name), void *user)
{
    jobc_buf b = {0};
    for (size_t i = 0; i < g->npatterns; i++) {
        if (jobc_gen_fill(g->patterns[i], kv, &b)) fn(user, b.data);
    }
    jobc_buf_free(&b);
}

/* Whether pattern p, filled with kv, spells name (without building the string). */
static bool jobc_gen_spells(const char *p, const char *const *kv, const char *name)
{
    bool any = false;
    while (*p) {
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p, '}');
            const char *value = jobc_tmpl_value(kv, p + 2, (size_t)(close - p - 2));
            if (!value) return false;
            size_t vlen = strlen(value);
            if (strncmp(name, value, vlen) != 0) return false;
            name += vlen;
            any = true;
            p = close + 1;
        } else if (*p++ != *name++) {
            return false;
        }
    }
    return any && *name == '\0';
}

bool jobc_gen_matches(const jobc_gen_table *g, const char *const *kv, const char *name)
{
    for (size_t i = 0; i < g->npatterns; i++) {
        if (jobc_gen_spells(g->patterns[i], kv, name)) return true;
    }
    return false;
}
