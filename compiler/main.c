/*
 * main.c - the jobc command line: read every input, report every error, and
 * only when there are none write the outputs. A run is all or nothing: each
 * output goes to a temporary file beside its destination as soon as it is
 * emitted (so memory holds one output at a time), and only when every input
 * compiled and every file was written are they renamed into place; an output
 * whose content did not change is left alone, so builds do not redo work.
 * Exit codes: 0 ok, 1 errors in the input, 2 usage or I/O errors.
 */
#include "jobc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


typedef struct jobc_cli {
    const char *outdir;
    const char *depfile;
    bool emit_c, emit_proto, check_only, print_outputs, strict;
    int error_limit;
    char **inputs;
    int ninputs;
    const char **include_dirs; /* -I DIR */
    size_t ninclude;
    char ***deps;              /* per input: the files it imports (for the depfile) */
    size_t *ndeps;
} jobc_cli;

/* One output: its final path, and the temporary file that holds it until the end. */
typedef struct jobc_output {
    char *path;
    char *tmp;       /* NULL: nothing to write (unchanged, or not emitted yet) */
} jobc_output;

static const char jobc_usage[] =
    "usage: jobc [options] FILE.job...\n"
    "       jobc compat [-I DIR]... OLD.job NEW.job   (exit 1 on a wire-breaking change)\n"
    "Compiles .job files into C stubs for the lucidity runtime (FILE.job.h, FILE.job.c)\n"
    "and a protobuf schema (FILE.proto).\n"
    "  -o DIR              write outputs into DIR (default: the current directory)\n"
    "  -I DIR              also look for imported files in DIR (after the importer's folder)\n"
    "  --emit=c,proto      which outputs to write (default: both)\n"
    "  --check             check the inputs only; write nothing\n"
    "  -M, --depfile FILE  also write a Make-style depfile: outputs: input\n"
    "  --print-outputs     print the paths of the outputs, one per line; compile nothing\n"
    "  --error-limit=N     show at most N errors per input (default 20, 0: all)\n"
    "  --strict            warn about messages and jobs whose fields are numbered by position\n"
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
    *cli = (jobc_cli){.outdir = ".", .emit_c = true, .emit_proto = true,
                      .error_limit = JOBC_ERROR_LIMIT};
    cli->inputs = calloc((size_t)argc, sizeof *cli->inputs);
    cli->include_dirs = calloc((size_t)argc, sizeof *cli->include_dirs);
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
        } else if (strcmp(a, "-I") == 0 || (strncmp(a, "-I", 2) == 0 && a[2])) {
            if (!a[2] && i + 1 >= argc) {
                fprintf(stderr, "jobc: option '-I' needs a directory\n%s", jobc_usage);
                return 2;
            }
            cli->include_dirs[cli->ninclude++] = a[2] ? a + 2 : argv[++i];
        } else if (strncmp(a, "--emit=", 7) == 0) {
            if (!jobc_parse_emit(cli, a + 7)) return 2;
        } else if (strncmp(a, "--error-limit=", 14) == 0) {
            char *end;
            long n = strtol(a + 14, &end, 10);
            if (*end || end == a + 14 || n < 0 || n > 1000000) {
                fprintf(stderr, "jobc: --error-limit takes a number from 0 to 1000000\n");
                return 2;
            }
            cli->error_limit = (int)n;
        } else if (strcmp(a, "--check") == 0) {
            cli->check_only = true;
        } else if (strcmp(a, "--strict") == 0) {
            cli->strict = true;
        } else if (strcmp(a, "--print-outputs") == 0) {
            cli->print_outputs = true;
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

/* Whether path holds exactly text (an existing output that need not be rewritten). */
static bool jobc_same_content(const char *path, const jobc_buf *text)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char chunk[65536];
    size_t off = 0, n;
    bool same = true;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        same = off + n <= text->len && memcmp(chunk, text->data + off, n) == 0;
        off += n;
    }
    same = same && !ferror(f) && off == text->len;
    fclose(f);
    return same;
}

/* Writes text into a new temporary file beside out->path (a short name, so any
   destination name that fits the file system fits its temporary too). */
static int jobc_stage(jobc_output *out, const jobc_buf *text)
{
    struct stat st;
    if (stat(out->path, &st) == 0 && S_ISDIR(st.st_mode)) { /* rename would fail at the end */
        fprintf(stderr, "jobc: cannot write '%s': %s\n", out->path, strerror(EISDIR));
        return -1;
    }
    if (jobc_same_content(out->path, text)) return 0;
    const char *slash = strrchr(out->path, '/');
    size_t dirlen = slash ? (size_t)(slash - out->path) + 1 : 0;
    out->tmp = malloc(dirlen + 16);
    memcpy(out->tmp, out->path, dirlen);
    strcpy(out->tmp + dirlen, ".jobc-XXXXXX");
    int fd = mkstemp(out->tmp);
    bool ok = fd >= 0;
    for (size_t off = 0; ok && off < text->len;) {
        ssize_t n = write(fd, text->data + off, text->len - off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        off += ok ? (size_t)n : 0;
    }
    if (fd >= 0 && (fchmod(fd, 0644) != 0 || close(fd) != 0)) ok = false;
    if (!ok) {
        fprintf(stderr, "jobc: cannot write '%s': %s\n", out->path, strerror(errno));
        if (fd >= 0) unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        return -1;
    }
    return 0;
}


/* A base name the outputs can carry: C names the header in #include "..." and the
   sources name it in comments, so quotes, backslashes and control bytes cannot be
   in it. Returns what is wrong, or NULL. */
static const char *jobc_base_problem(const char *base)
{
    if (!base[0] || strcmp(base, ".job") == 0) return "it has no name before '.job'";
    for (const char *p = base; *p; p++) {
        if (*p == '"' || *p == '\\') return "C cannot #include a file name with '\"' or '\\'";
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return "it contains a control character";
    }
    return NULL;
}

static void jobc_output_path(jobc_output *o, const char *dir, const char *base, const char *ext)
{
    size_t len = strlen(dir) + strlen(base) + strlen(ext) + 2;
    o->path = malloc(len);
    snprintf(o->path, len, "%s/%s%s", dir, base, ext);
    o->tmp = NULL;
}

/* The outputs of every input, in order: .job.h, .job.c, .proto (those emitted). */
static int jobc_plan_outputs(const jobc_cli *cli, jobc_output *outs, int *nouts)
{
    int rc = 0;
    for (int i = 0; i < cli->ninputs; i++) {
        char *base = jobc_base_name(cli->inputs[i]);
        const char *problem = jobc_base_problem(base);
        if (problem) {
            fprintf(stderr, "jobc: cannot name the outputs of '%s': %s; rename the file\n",
                    cli->inputs[i], problem);
            rc = 2;
        }
        if (cli->emit_c) {
            jobc_output_path(&outs[(*nouts)++], cli->outdir, base, ".job.h");
            jobc_output_path(&outs[(*nouts)++], cli->outdir, base, ".job.c");
        }
        if (cli->emit_proto) jobc_output_path(&outs[(*nouts)++], cli->outdir, base, ".proto");
        free(base);
    }
    int per = (cli->emit_c ? 2 : 0) + (cli->emit_proto ? 1 : 0);
    for (int i = 0; per && i < cli->ninputs; i++) { /* a.job and b/a.job would overwrite each other */
        for (int j = 0; j < i; j++) {
            if (strcmp(outs[i * per].path, outs[j * per].path) == 0) {
                fprintf(stderr, "jobc: '%s' and '%s' would both write '%s'; compile them into "
                        "different output directories (-o)\n", cli->inputs[j], cli->inputs[i],
                        outs[i * per].path);
                rc = 2;
                break;
            }
        }
    }
    return rc;
}

/* Loads and checks one input with everything it imports, and emits the input's own
   outputs into their staged files; returns its error count, or -1 on an I/O error. */
static int jobc_compile(const jobc_cli *cli, int index, jobc_output *outs)
{
    const char *path = cli->inputs[index];
    jobc_load l;
    jobc_load_opts o = {cli->include_dirs, cli->ninclude, cli->error_limit, cli->strict};
    const jobc_model *m = jobc_load_file(&l, &o, path);
    int errors = l.io_error ? -1 : l.errors;
    if (m && errors == 0 && !cli->check_only) {
        char *base = jobc_base_name(path);
        void (*emit[3])(const jobc_model *, const char *, jobc_buf *) = {
            cli->emit_c ? jobc_emit_header : NULL, cli->emit_c ? jobc_emit_source : NULL,
            cli->emit_proto ? jobc_emit_proto : NULL};
        for (int k = 0, n = 0; k < 3 && errors >= 0; k++) {
            if (!emit[k]) continue;
            jobc_buf text = {0};
            emit[k](m, base, &text);
            if (jobc_stage(&outs[n++], &text) != 0) errors = -1;
            jobc_buf_free(&text);
        }
        free(base);
    }
    cli->ndeps[index] = l.nunits > 1 ? l.nunits - 1 : 0;
    cli->deps[index] = calloc(cli->ndeps[index] + 1, sizeof(char *));
    const char **d = (const char **)cli->deps[index];
    size_t nd = jobc_load_deps(&l, d, cli->ndeps[index]);
    for (size_t i = 0; i < nd; i++) cli->deps[index][i] = strdup(d[i]);
    jobc_load_free(&l);
    return errors;
}

/* A path as a Make rule names it: spaces, '#' and '$' escaped. */
static void jobc_make_path(jobc_buf *b, const char *path)
{
    for (const char *p = path; *p; p++) {
        if (*p == ' ' || *p == '#' || *p == '\\') jobc_buf_puts(b, "\\");
        if (*p == '$') jobc_buf_puts(b, "$");
        jobc_buf_add(b, p, 1);
    }
}

static int jobc_stage_depfile(const jobc_cli *cli, const jobc_output *outs, jobc_output *dep)
{
    jobc_buf text = {0};
    int per = (cli->emit_c ? 2 : 0) + (cli->emit_proto ? 1 : 0);
    for (int i = 0; i < cli->ninputs; i++) {
        for (int k = 0; k < per; k++) {
            if (k) jobc_buf_puts(&text, " ");
            jobc_make_path(&text, outs[i * per + k].path);
        }
        jobc_buf_puts(&text, ": ");
        jobc_make_path(&text, cli->inputs[i]);
        for (size_t k = 0; k < cli->ndeps[i]; k++) { /* an edited import rebuilds the importer */
            jobc_buf_puts(&text, " ");
            jobc_make_path(&text, cli->deps[i][k]);
        }
        jobc_buf_puts(&text, "\n");
    }
    dep->path = strdup(cli->depfile);
    int rc = jobc_stage(dep, &text);
    jobc_buf_free(&text);
    return rc;
}

/* Renames every staged output into place, or (commit false) removes them all. */
static int jobc_finish(jobc_output *outs, int n, bool commit)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (!outs[i].tmp) continue;
        if (commit && rename(outs[i].tmp, outs[i].path) != 0) {
            fprintf(stderr, "jobc: cannot write '%s': %s\n", outs[i].path, strerror(errno));
            rc = 2;
        }
        if (!commit || rc) unlink(outs[i].tmp);
        free(outs[i].tmp);
        outs[i].tmp = NULL;
    }
    return rc;
}

/* jobc compat OLD NEW: both (and what they import) must check clean; then their wire
   contracts are compared. */
static int jobc_compat_main(int argc, char **argv)
{
    /* -I DIR, as for a compile: both files' imports are looked up in the same places */
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    const char *files[2];
    size_t ndirs = 0, nfiles = 0;
    bool usage = !dirs;
    for (int i = 2; i < argc && !usage; i++) {
        const char *a = argv[i];
        if (strncmp(a, "-I", 2) == 0) {
            if (!a[2] && i + 1 >= argc) usage = true;
            else dirs[ndirs++] = a[2] ? a + 2 : argv[++i];
        } else if (a[0] == '-' || nfiles == 2) {
            usage = true;
        } else {
            files[nfiles++] = a;
        }
    }
    if (usage || nfiles != 2) {
        fprintf(stderr, "usage: jobc compat [-I DIR]... OLD.job NEW.job\n");
        free(dirs);
        return 2;
    }
    jobc_load l[2];
    const jobc_model *m[2];
    jobc_load_opts o = {dirs, ndirs, JOBC_ERROR_LIMIT, false};
    int errors = 0, rc = 0;
    bool io = false;
    for (int i = 0; i < 2; i++) {
        m[i] = jobc_load_file(&l[i], &o, files[i]);
        errors += l[i].errors;
        io = io || l[i].io_error || !m[i];
    }
    if (io) {
        rc = 2;
    } else if (errors) {
        fprintf(stderr, "%d error%s in the inputs; not compared.\n", errors, errors == 1 ? "" : "s");
        rc = 2;
    } else if (jobc_compat(m[0], jobc_load_sink(&l[0]), m[1], jobc_load_sink(&l[1])) > 0) {
        rc = 1;
    }
    jobc_load_free(&l[0]);
    jobc_load_free(&l[1]);
    free(dirs);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "compat") == 0) return jobc_compat_main(argc, argv);
    jobc_cli cli;
    int rc = jobc_parse_args(&cli, argc, argv);
    if (rc >= 0) {
        free(cli.inputs);
        free(cli.include_dirs);
        return rc;
    }
    /* 3 per input and the depfile */
    jobc_output *outs = calloc((size_t)cli.ninputs * 3 + 1, sizeof *outs);
    int nouts = 0, errors = 0;
    cli.deps = calloc((size_t)cli.ninputs, sizeof *cli.deps);
    cli.ndeps = calloc((size_t)cli.ninputs, sizeof *cli.ndeps);
    rc = jobc_plan_outputs(&cli, outs, &nouts);
    if (rc == 0 && cli.print_outputs) {
        for (int i = 0; i < nouts; i++) puts(outs[i].path);
    } else if (rc == 0) {
        int per = (cli.emit_c ? 2 : 0) + (cli.emit_proto ? 1 : 0);
        for (int i = 0; i < cli.ninputs; i++) {
            int e = jobc_compile(&cli, i, outs + i * per);
            if (e < 0) rc = 2;
            else errors += e;
        }
        if (rc == 0 && errors) rc = 1;
        if (rc == 0 && !cli.check_only && cli.depfile &&
            jobc_stage_depfile(&cli, outs, &outs[nouts++]) != 0) {
            rc = 2;
        }
        int frc = jobc_finish(outs, nouts, rc == 0);
        if (rc == 0) rc = frc;
        if (errors) {
            fprintf(stderr, "%d error%s generated; no files written.\n", errors,
                    errors == 1 ? "" : "s");
        }
    }
    for (int i = 0; i < nouts; i++) free(outs[i].path);
    for (int i = 0; i < cli.ninputs; i++) {
        for (size_t k = 0; cli.deps[i] && k < cli.ndeps[i]; k++) free(cli.deps[i][k]);
        free(cli.deps[i]);
    }
    free(cli.deps);
    free(cli.ndeps);
    free(outs);
    free(cli.inputs);
    free(cli.include_dirs);
    return rc;
}
