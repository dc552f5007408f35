/*
 * mandelbrot - renders a Mandelbrot image as 8x8 tiles fanned out over the
 * cluster's nodes (or locally when this node is alone), with a live progress
 * line, then writes a PNG ($MANDELBROT_OUT, default mandelbrot.png) and prints
 * how many tiles each node rendered and a checksum of the pixels.
 *
 *   tools/lucidity run --nodes 3 build/wasm/examples/mandelbrot/mandelbrot.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stb_image_write.h>

#include "mandelbrot.job.h"
#include "tile.h"

#define NTILES (MANDELBROT_TILES_X * MANDELBROT_TILES_Y)

/* The job: runs in its own process, here or on another node. */
pb_bytes_array_t *mandelbrot_tile(uint32_t x0, uint32_t y0, uint32_t tile_w, uint32_t tile_h,
                                  uint32_t width, uint32_t height, uint32_t max_iter)
{
    size_t n = (size_t)tile_w * tile_h * 3u;
    pb_bytes_array_t *out = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(n));
    if (!out)
        abort(); /* the caller sees the job fail */
    out->size = (pb_size_t)n;
    tile_render(out->bytes, x0, y0, tile_w, tile_h, width, height, max_iter);
    return out;
}

/* ---- progress ---- */

typedef struct progress {
    uint64_t start_ms;
    int tty;       /* redraw one line with \r, else print a line every 10% */
    size_t decile; /* without a tty: the last 10% step printed */
} progress;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_tile_done(size_t done, size_t total, size_t index, int status, uint64_t node,
                         void *user)
{
    progress *p = user;
    (void)index, (void)status, (void)node;
    if (!p->tty) {
        if (done * 10 / total == p->decile)
            return;
        p->decile = done * 10 / total;
    }
    double secs = (double)(now_ms() - p->start_ms) / 1000.0;
    double rate = secs > 0 ? (double)done / secs : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    printf("%s%zu/%zu tiles (%3zu%%), %.1f tiles/s, ETA %.1f s%s", p->tty ? "\r" : "", done,
           total, done * 100 / total, rate, eta, p->tty ? (done == total ? "\n" : "") : "\n");
    fflush(stdout);
}

/* ---- the image ---- */

/* MANDELBROT_MAX_ITER scales the work (bench/mandelbrot.py); the default
   image is the one the test compares with the native reference. */
static uint32_t max_iter(void)
{
    const char *s = getenv("MANDELBROT_MAX_ITER");
    unsigned long v = s ? strtoul(s, NULL, 10) : 0;
    return v > 0 && v <= 10000000ul ? (uint32_t)v : MANDELBROT_MAX_ITER;
}

static unsigned renders(void)
{
    const char *s = getenv("MANDELBROT_RENDERS");
    unsigned long v = s ? strtoul(s, NULL, 10) : 0;
    return v > 0 && v <= 100 ? (unsigned)v : 1;
}

static void tile_args(mandelbrot_tile_args *args)
{
    uint32_t iters = max_iter();
    uint32_t tw = MANDELBROT_WIDTH / MANDELBROT_TILES_X, th = MANDELBROT_HEIGHT / MANDELBROT_TILES_Y;
    for (uint32_t t = 0; t < NTILES; t++)
        args[t] = (mandelbrot_tile_args){.x0 = t % MANDELBROT_TILES_X * tw,
                                         .y0 = t / MANDELBROT_TILES_X * th,
                                         .tile_w = tw,
                                         .tile_h = th,
                                         .width = MANDELBROT_WIDTH,
                                         .height = MANDELBROT_HEIGHT,
                                         .max_iter = iters};
}

static void paste_tile(uint8_t *image, const mandelbrot_tile_args *a, const pb_bytes_array_t *px)
{
    size_t row = (size_t)a->tile_w * 3u;
    for (uint32_t j = 0; j < a->tile_h; j++)
        memcpy(image + ((size_t)(a->y0 + j) * a->width + a->x0) * 3u, px->bytes + j * row, row);
}

static void print_node_counts(const uint64_t *nodes, size_t n)
{
    uint64_t ids[NTILES];
    size_t counts[NTILES], k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && ids[j] != nodes[i])
            j++;
        if (j == k) {
            ids[k] = nodes[i];
            counts[k++] = 0;
        }
        counts[j]++;
    }
    for (size_t j = 0; j < k; j++)
        printf("node %llu%s: %zu tiles\n", (unsigned long long)ids[j],
               ids[j] == 0 ? " (this node)" : "", counts[j]);
}

int main(void)
{
    static mandelbrot_tile_args args[NTILES];
    static pb_bytes_array_t *tiles[NTILES];
    static int statuses[NTILES];
    static uint64_t nodes[NTILES];
    const char *path = getenv("MANDELBROT_OUT");
    if (!path || !*path)
        path = "mandelbrot.png";

    tile_args(args);
    printf("rendering %ux%u in %u tiles\n", MANDELBROT_WIDTH, MANDELBROT_HEIGHT, NTILES);
    /* MANDELBROT_RENDERS=N renders N times (bench/mandelbrot.py: the first render
       includes each node compiling the module, later ones are warm). */
    for (unsigned r = 0, n = renders(); r < n; r++) {
        if (r)
            for (size_t i = 0; i < NTILES; i++)
                free(tiles[i]);
        progress p = {.start_ms = now_ms(), .tty = isatty(STDOUT_FILENO)};
        lucidity_fanout_opts fo = {.progress = on_tile_done, .progress_user = &p, .nodes = nodes};
        int rc = mandelbrot_tile_remote_fanout_with(args, NTILES, tiles, statuses, &fo);
        if (rc != LUCIDITY_OK) {
            for (size_t i = 0; i < NTILES; i++)
                if (statuses[i] != LUCIDITY_OK)
                    printf("tile %zu: %s\n", i, lucidity_strerror(statuses[i]));
            printf("FAIL mandelbrot: %s\n", lucidity_strerror(rc));
            return 1;
        }
        printf("rendered in %llu ms\n", (unsigned long long)(now_ms() - p.start_ms));
    }
    print_node_counts(nodes, NTILES);

    size_t size = (size_t)MANDELBROT_WIDTH * MANDELBROT_HEIGHT * 3u;
    uint8_t *image = malloc(size);
    if (!image) {
        printf("FAIL mandelbrot: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < NTILES; i++) {
        paste_tile(image, &args[i], tiles[i]);
        free(tiles[i]); /* a bytes output is the caller's: plain free() */
    }
    if (!stbi_write_png(path, MANDELBROT_WIDTH, MANDELBROT_HEIGHT, 3, image,
                        MANDELBROT_WIDTH * 3)) {
        printf("FAIL mandelbrot: cannot write %s\n", path);
        free(image);
        return 1;
    }
    printf("wrote %s\n", path);
    printf("pixels fnv1a64: %016llx\n", (unsigned long long)tile_fnv1a64(image, size));
    free(image);
    return 0;
}
