/* faceau command line: OpenFace FeatureExtraction / FaceLandmarkImg
 * compatible front end plus `info` and `models` sub-commands. */
#include <stdio.h>
#include <string.h>

#include "faceau.h"

int main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
        printf("faceau %s\n", fau_version());
        return 0;
    }
    fprintf(stderr, "faceau: not implemented yet\n");
    return 2;
}
