/* Calls a job in a new local process and prints its result. */
#include <stdio.h>

#include "square.job.h"

uint32_t square(uint32_t a) { return a * a; }

int main(void) {
  uint32_t out = 0;
  int rc = square_local(7, &out);
  if (rc != LUCIDITY_OK) {
    printf("FAIL square_local: %s\n", lucidity_strerror(rc));
    return 1;
  }
  printf("square(7) = %u\n", out);
  return 0;
}
