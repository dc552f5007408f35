/*
 * reference.c - the native reference: renders the example's image in one piece
 * with the same tile.c and prints its checksum, for the test to compare with
 * the distributed render's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tile.h"

int main(void)
{
    size_t n = (size_t)MANDELBROT_WIDTH * MANDELBROT_HEIGHT * 3u;
    uint8_t *rgb = malloc(n);
    if (!rgb) {
        fprintf(stderr, "reference: out of memory\n");
        return 1;
    }
    tile_render(rgb, 0, 0, MANDELBROT_WIDTH, MANDELBROT_HEIGHT, MANDELBROT_WIDTH,
                MANDELBROT_HEIGHT, MANDELBROT_MAX_ITER);
    printf("pixels fnv1a64: %016llx\n", (unsigned long long)tile_fnv1a64(rgb, n));
    free(rgb);
    return 0;
}
