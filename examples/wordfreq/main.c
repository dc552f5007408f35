/*
 * wordfreq - counts words over the text files of a folder ($WORDFREQ_DIR,
 * default "corpus", relative to the current directory), one job per file
 * fanned out over the cluster's nodes (or locally when this node is alone),
 * then merges the counts and prints the total and the 10 most frequent words.
 *
 * A token is a run of non-whitespace bytes (the total matches `wc -w`); its
 * word is the token lowercased without leading and trailing non-alphanumeric
 * bytes ("Don't," -> "don't"); tokens with no alphanumeric byte have no word.
 *
 *   cd examples/wordfreq && ../../tools/lucidity run --nodes 3 \
 *       ../../build/wasm/examples/wordfreq/wordfreq.wasm
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wordfreq.job.h"

#define TOP_N 10

/* ---- a word -> count table (open addressing, grows at 3/4 full) ---- */

typedef struct table {
    wordfreq_WordCount *slots; /* word == NULL: empty */
    size_t cap, len;
} table;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

static wordfreq_WordCount *table_slot(wordfreq_WordCount *slots, size_t cap, const char *w,
                                      size_t n)
{
    size_t i = (size_t)hash(w, n) & (cap - 1);
    while (slots[i].word && (strlen(slots[i].word) != n || memcmp(slots[i].word, w, n) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int table_grow(table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    wordfreq_WordCount *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].word)
            *table_slot(slots, cap, t->slots[i].word, strlen(t->slots[i].word)) = t->slots[i];
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

/* Adds count to the word w[0..n); copies the word when it is new. */
static int table_add(table *t, const char *w, size_t n, uint64_t count)
{
    if ((t->len + 1) * 4 > t->cap * 3 && table_grow(t) != 0)
        return -1;
    wordfreq_WordCount *s = table_slot(t->slots, t->cap, w, n);
    if (!s->word) {
        if (!(s->word = strndup(w, n)))
            return -1;
        t->len++;
    }
    s->count += count;
    return 0;
}

/* Moves the entries into a packed malloc'd array (t is left empty). */
static wordfreq_WordCount *table_take(table *t, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].word)
            t->slots[k++] = t->slots[i];
    *n = k;
    wordfreq_WordCount *words = t->slots;
    *t = (table){0};
    return words;
}

/* ---- the job: runs in its own process, here or on another node ---- */

static int add_token(table *t, const char *tok, size_t n)
{
    char word[256];
    while (n && !isalnum((unsigned char)*tok))
        tok++, n--;
    while (n && !isalnum((unsigned char)tok[n - 1]))
        n--;
    if (n == 0)
        return 0;
    if (n > sizeof word)
        n = sizeof word; /* a pathological token: count its first 256 bytes */
    for (size_t i = 0; i < n; i++)
        word[i] = (char)tolower((unsigned char)tok[i]);
    return table_add(t, word, n, 1);
}

wordfreq_Counts wordfreq_count(const char *file, const pb_bytes_array_t *text)
{
    wordfreq_Counts out = {0};
    table t = {0};
    const char *p = (const char *)text->bytes, *end = p + text->size;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *tok = p;
        while (p < end && !isspace((unsigned char)*p))
            p++;
        if (p > tok) {
            out.total++;
            if (add_token(&t, tok, (size_t)(p - tok)) != 0)
                abort(); /* out of memory: the caller sees the job fail */
        }
    }
    size_t n;
    out.words = table_take(&t, &n);
    out.words_count = (pb_size_t)n;
    out.file = strdup(file);
    return out; /* malloc'd members: the runtime frees them after sending */
}

/* ---- the app ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir not starting with '.', sorted; NULL-terminated. */
static char **list_files(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t k = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        char **more = realloc(names, (k + 1) * sizeof *names);
        if (!more || !(more[k] = strdup(path))) {
            names = more;
            break;
        }
        names = more;
        k++;
    }
    closedir(d);
    qsort(names, k, sizeof *names, by_name);
    *n = k;
    return names;
}

static pb_bytes_array_t *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    pb_bytes_array_t *b = NULL;
    long size;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE((size_t)size)))) {
        b->size = (pb_size_t)fread(b->bytes, 1, (size_t)size, f);
        if (ferror(f)) {
            free(b);
            b = NULL;
        }
    }
    fclose(f);
    return b;
}

/* Most frequent first; ties in byte order of the word. */
static int by_count(const void *a, const void *b)
{
    const wordfreq_WordCount *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

static int fail(const char *why, const char *what)
{
    printf("FAIL wordfreq: %s%s%s\n", why, what ? ": " : "", what ? what : "");
    return 1;
}

int main(void)
{
    const char *dir = getenv("WORDFREQ_DIR");
    if (!dir || !*dir)
        dir = "corpus";
    size_t n = 0;
    char **files = list_files(dir, &n);
    if (!files || n == 0)
        return fail("no files in", dir);

    wordfreq_count_args *items = calloc(n, sizeof *items);
    wordfreq_Counts *outs = calloc(n, sizeof *outs);
    int *statuses = calloc(n, sizeof *statuses);
    if (!items || !outs || !statuses)
        return fail("out of memory", NULL);
    for (size_t i = 0; i < n; i++) {
        items[i].file = files[i];
        if (!(items[i].text = read_file(files[i])))
            return fail("cannot read", files[i]);
    }
    printf("wordfreq: %zu files in %s\n", n, dir);
    int rc = wordfreq_count_remote_fanout(items, n, outs, statuses);
    if (rc != LUCIDITY_OK) {
        for (size_t i = 0; i < n; i++)
            if (statuses[i] != LUCIDITY_OK)
                printf("  %s: %s\n", files[i], lucidity_strerror(statuses[i]));
        return fail(lucidity_strerror(rc), NULL);
    }

    table all = {0};
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        printf("  %s: %llu words, %u distinct\n", outs[i].file, (unsigned long long)outs[i].total,
               (unsigned)outs[i].words_count);
        total += outs[i].total;
        for (pb_size_t j = 0; j < outs[i].words_count; j++)
            if (table_add(&all, outs[i].words[j].word, strlen(outs[i].words[j].word),
                          outs[i].words[j].count) != 0)
                return fail("out of memory", NULL);
        wordfreq_Counts_free(&outs[i]);
        free(items[i].text);
        free(files[i]);
    }
    size_t distinct;
    wordfreq_WordCount *words = table_take(&all, &distinct);
    qsort(words, distinct, sizeof *words, by_count);
    printf("total words: %llu\n", (unsigned long long)total);
    printf("distinct words: %zu\n", distinct);
    printf("top %d:\n", TOP_N);
    for (size_t i = 0; i < distinct && i < TOP_N; i++)
        printf("  %2zu. %s %llu\n", i + 1, words[i].word, (unsigned long long)words[i].count);
    for (size_t i = 0; i < distinct; i++)
        free(words[i].word);
    free(words);
    free(files);
    free(items);
    free(outs);
    free(statuses);
    printf("wordfreq: done\n");
    return 0;
}
