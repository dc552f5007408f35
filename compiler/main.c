/*
 * main.c - the jobc command line: read every input, report every error, and
 * only when there are none write the outputs (each via a temporary file and
 * rename, and only when its content changed, so builds do not redo work).
 * Exit codes: 0 ok, 1 errors in the input, 2 usage or I/O errors.
 */
#include "jobc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct jobc_cli {
    const char *outdir;
    const char *depfile;
    bool emit_c, emit_proto, check_only;
    char **inputs;
    int ninputs;
} jobc_cli;

typedef struct jobc_output {
    char *path;
    jobc_buf text;
} jobc_output;

static const char jobc_usage[] =
    "usage: jobc [options] FILE.job...\n"
    "Compiles .job files into C stubs for the lucidity runtime (FILE.job.h, FILE.job.c)\n"
    "and a protobuf schema (FILE.proto).\n"
    "  -o DIR              write outputs into DIR (default: the current directory)\n"
    "  --emit=c,proto      which outputs to write (default: both)\n"
    "  --check             check the inputs only; write nothing\n"
    "  -M, --depfile FILE  also write a Make-style depfile: outputs: input\n"
    "  --help              show this help\n"
    "  --version           show the version\n";

static int jobc_parse_emit(jobc_cli *cli, const char *list)
{
    cli->emit_c = cli->emit_proto = false;
    char *copy = strdup(list), *save = NULL;
    int ok = 1;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "c") == 0) cli->emit_c = true;
        else if (strcmp(t, "proto") == 0) cli->emit_proto = true;
        else {
            fprintf(stderr, "jobc: unknown output kind '%s' in --emit (expected c, proto)\n", t);
            ok = 0;
        }
    }
    free(copy);
    return ok;
}

/* Returns -1 to continue, else an exit code. */
static int jobc_parse_args(jobc_cli *cli, int argc, char **argv)
{
    *cli = (jobc_cli){.outdir = ".", .emit_c = true, .emit_proto = true};
    cli->inputs = calloc((size_t)argc, sizeof *cli->inputs);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(jobc_usage, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            puts("jobc " JOBC_VERSION);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "-M") == 0 || strcmp(a, "--depfile") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "jobc: option '%s' needs an argument\n%s", a, jobc_usage);
                return 2;
            }
            *(a[1] == 'o' ? &cli->outdir : &cli->depfile) = argv[++i];
        } else if (strncmp(a, "--emit=", 7) == 0) {
            if (!jobc_parse_emit(cli, a + 7)) return 2;
        } else if (strcmp(a, "--check") == 0) {
            cli->check_only = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "jobc: unknown option '%s'\n%s", a, jobc_usage);
            return 2;
        } else {
            cli->inputs[cli->ninputs++] = argv[i];
        }
    }
    if (cli->ninputs == 0) {
        fprintf(stderr, "jobc: no input files\n%s", jobc_usage);
        return 2;
    }
    return -1;
}

static char *jobc_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    jobc_buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) jobc_buf_add(&b, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        jobc_buf_free(&b);
        return NULL;
    }
    jobc_buf_puts(&b, "");
    *len = b.len;
    return b.data;
}

/* Writes text to path unless it already holds exactly that; temp file + rename. */
static int jobc_write_if_changed(const char *path, const jobc_buf *text)
{
    size_t old_len;
    char *old = jobc_read_file(path, &old_len);
    bool same = old && old_len == text->len && memcmp(old, text->data, old_len) == 0;
    free(old);
    if (same) return 0;
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(text->data, 1, text->len, f) == text->len;
    if (f && fclose(f) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        fprintf(stderr, "jobc: cannot write '%s': %s\n", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

/* "dir/square.job" -> "square" */
static char *jobc_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    size_t len = strlen(b);
    if (len > 4 && strcmp(b + len - 4, ".job") == 0) len -= 4;
    return strndup(b, len);
}

static void jobc_add_output(jobc_output *outs, int *n, const char *dir, const char *base,
                            const char *ext)
{
    size_t len = strlen(dir) + strlen(base) + strlen(ext) + 2;
    outs[*n].path = malloc(len);
    snprintf(outs[*n].path, len, "%s/%s%s", dir, base, ext);
    outs[*n].text = (jobc_buf){0};
    (*n)++;
}

/* Parses, checks and (into memory) emits one input; returns its error count, or -1 on I/O error. */
static int jobc_compile(const jobc_cli *cli, const char *path, jobc_output *outs, int *nouts)
{
    size_t len;
    char *src = jobc_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "jobc: cannot read '%s': %s\n", path, strerror(errno));
        return -1;
    }
    jobc_diag d;
    jobc_diag_init(&d, path, src, len);
    idl_sink sink = jobc_diag_sink(&d);
    idl_file *f;
    idl_parse(path, src, len, &sink, &f);
    jobc_model m;
    jobc_check(f, &sink, &m);
    int errors = d.errors;
    if (d.out.len) fputs(d.out.data, stderr);
    if (errors == 0 && !cli->check_only) {
        char *base = jobc_base_name(path);
        if (cli->emit_c) {
            jobc_add_output(outs, nouts, cli->outdir, base, ".job.h");
            jobc_emit_header(&m, base, &outs[*nouts - 1].text);
            jobc_add_output(outs, nouts, cli->outdir, base, ".job.c");
            jobc_emit_source(&m, base, &outs[*nouts - 1].text);
        }
        if (cli->emit_proto) {
            jobc_add_output(outs, nouts, cli->outdir, base, ".proto");
            jobc_emit_proto(&m, base, &outs[*nouts - 1].text);
        }
        free(base);
    }
    jobc_model_free(&m);
    idl_file_free(f);
    jobc_diag_free(&d);
    free(src);
    return errors;
}

static int jobc_write_depfile(const jobc_cli *cli, const jobc_output *outs, int nouts)
{
    jobc_buf dep = {0};
    int per_input = (cli->emit_c ? 2 : 0) + (cli->emit_proto ? 1 : 0);
    for (int i = 0; i < cli->ninputs; i++) {
        for (int k = 0; k < per_input && i * per_input + k < nouts; k++) {
            jobc_buf_printf(&dep, "%s%s", k ? " " : "", outs[i * per_input + k].path);
        }
        jobc_buf_printf(&dep, ": %s\n", cli->inputs[i]);
    }
    int rc = jobc_write_if_changed(cli->depfile, &dep);
    jobc_buf_free(&dep);
    return rc;
}

int main(int argc, char **argv)
{
    jobc_cli cli;
    int rc = jobc_parse_args(&cli, argc, argv);
    if (rc >= 0) {
        free(cli.inputs);
        return rc;
    }
    jobc_output *outs = calloc((size_t)cli.ninputs * 3, sizeof *outs);
    int nouts = 0, errors = 0, io = 0;
    for (int i = 0; i < cli.ninputs; i++) {
        int e = jobc_compile(&cli, cli.inputs[i], outs, &nouts);
        if (e < 0) io = 1;
        else errors += e;
    }
    rc = io ? 2 : errors ? 1 : 0;
    if (rc == 0 && !cli.check_only) {
        for (int i = 0; i < nouts && rc == 0; i++) {
            if (jobc_write_if_changed(outs[i].path, &outs[i].text) != 0) rc = 2;
        }
        if (rc == 0 && cli.depfile && jobc_write_depfile(&cli, outs, nouts) != 0) rc = 2;
    }
    if (errors) {
        fprintf(stderr, "%d error%s generated; no files written.\n", errors, errors == 1 ? "" : "s");
    }
    for (int i = 0; i < nouts; i++) {
        free(outs[i].path);
        jobc_buf_free(&outs[i].text);
    }
    free(outs);
    free(cli.inputs);
    return rc;
}
