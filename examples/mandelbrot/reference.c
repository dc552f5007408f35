/*
 * reference.c - the native reference: renders the example's image in one piece
 * with the same tile.c and prints its checksum, for the test to compare with
 * the distributed render's. An optional argument sets max_iter (bench/mandelbrot.py
 * times it against the distributed render).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tile.h"

int main(int argc, char **argv)
{
    unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : MANDELBROT_MAX_ITER;
    size_t n = (size_t)MANDELBROT_WIDTH * MANDELBROT_HEIGHT * 3u;
    uint8_t *rgb = malloc(n);
    if (!rgb) {
        fprintf(stderr, "reference: out of memory\n");
        return 1;
    }
    tile_render(rgb, 0, 0, MANDELBROT_WIDTH, MANDELBROT_HEIGHT, MANDELBROT_WIDTH,
                MANDELBROT_HEIGHT, (uint32_t)iters);
    printf("pixels fnv1a64: %016llx\n", (unsigned long long)tile_fnv1a64(rgb, n));
    free(rgb);
    return 0;
}
