/* png.c - stb_image_write's implementation (Debian's libstb-dev), in its own
   file so that its code is compiled without our warning flags. */
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
