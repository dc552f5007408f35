/* Calls jobs in new local processes and prints their results. */
#include <stdio.h>

#include "my.cube.job.h"
#include "square.job.h"

uint32_t square(uint32_t a) { return a * a; }
uint32_t my_cube(uint32_t a, units_Unit unit) { return unit == units_Unit_CM ? a * a * a : 0; }

int main(void) {
  uint32_t out = 0, cubed = 0;
  int rc = square_local(7, &out);
  if (rc != LUCIDITY_OK) {
    printf("FAIL square_local: %s\n", lucidity_strerror(rc));
    return 1;
  }
  rc = my_cube_local(3, units_Unit_CM, &cubed);
  if (rc != LUCIDITY_OK || cubed != 27) {
    printf("FAIL my_cube_local: %s, %u\n", lucidity_strerror(rc), cubed);
    return 1;
  }
  printf("square(7) = %u\n", out);
  return 0;
}
