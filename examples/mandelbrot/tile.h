/*
 * tile.h - the Mandelbrot renderer shared by the wasm job (main.c) and the
 * native reference (reference.c). Plain C, no lucidity: both builds compute the
 * same pixels, so their checksums must match.
 */
#ifndef MANDELBROT_TILE_H
#define MANDELBROT_TILE_H
#include <stddef.h>
#include <stdint.h>

/* The image the example renders, and its split into tiles. */
#define MANDELBROT_WIDTH 512u
#define MANDELBROT_HEIGHT 384u
#define MANDELBROT_TILES_X 8u
#define MANDELBROT_TILES_Y 8u
#define MANDELBROT_MAX_ITER 500u

/* Renders the tile (x0, y0, tile_w, tile_h) of a width x height image into rgb
   (tile_w * tile_h * 3 bytes, row by row). */
void tile_render(uint8_t *rgb, uint32_t x0, uint32_t y0, uint32_t tile_w, uint32_t tile_h,
                 uint32_t width, uint32_t height, uint32_t max_iter);

/* FNV-1a, 64 bits: the checksum both programs print. */
uint64_t tile_fnv1a64(const uint8_t *data, size_t n);

#endif
