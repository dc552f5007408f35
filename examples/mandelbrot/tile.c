/*
 * tile.c - Mandelbrot pixels. Only +, -, * on doubles and integer colours (no
 * libm), and built with -ffp-contract=off, so wasm32 and the native build give
 * bit-identical images.
 */
#include "tile.h"

/* The view: x in [-2.5, 1.0], y centred on 0 with the image's aspect ratio. */
#define VIEW_X0 (-2.5)
#define VIEW_W 3.5

static uint32_t escape_time(double cx, double cy, uint32_t max_iter)
{
    double x = 0.0, y = 0.0;
    uint32_t n = 0;
    while (n < max_iter && x * x + y * y <= 4.0) {
        double xt = x * x - y * y + cx;
        y = 2.0 * x * y + cy;
        x = xt;
        n++;
    }
    return n;
}

/* Points inside the set are black; outside, a blue-to-orange ramp that cycles every
   64 iterations. */
static void colour(uint8_t *px, uint32_t n, uint32_t max_iter)
{
    if (n >= max_iter) {
        px[0] = px[1] = px[2] = 0;
        return;
    }
    uint32_t t = (n * 4u) % 256u;
    px[0] = (uint8_t)(t < 128 ? t * 2u : 255u);
    px[1] = (uint8_t)(t < 128 ? t : 255u - (t - 128u));
    px[2] = (uint8_t)(t < 128 ? 255u - t : (255u - t) / 2u);
}

void tile_render(uint8_t *rgb, uint32_t x0, uint32_t y0, uint32_t tile_w, uint32_t tile_h,
                 uint32_t width, uint32_t height, uint32_t max_iter)
{
    double scale = VIEW_W / (double)width;
    double top = 0.5 * scale * (double)height;
    for (uint32_t j = 0; j < tile_h; j++) {
        double cy = top - ((double)(y0 + j) + 0.5) * scale;
        for (uint32_t i = 0; i < tile_w; i++) {
            double cx = VIEW_X0 + ((double)(x0 + i) + 0.5) * scale;
            colour(rgb + ((size_t)j * tile_w + i) * 3u, escape_time(cx, cy, max_iter), max_iter);
        }
    }
}

uint64_t tile_fnv1a64(const uint8_t *data, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) {
        h ^= data[i];
        h *= 0x100000001b3u;
    }
    return h;
}
