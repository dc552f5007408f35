/* An app that ends with status 3: `lucidity run` must exit with 3 too. */
#include <lucidity.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    (void)argv;
    printf("app on node %llu exits with 3\n", (unsigned long long)lucidity_node_id());
    if (argc > 5)
        return 0;
    exit(3);
}
