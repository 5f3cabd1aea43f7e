/* `faceau models check`: every model file against the sizes and SHA-256 sums
 * kept in the repository. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int fau_cmd_models(int argc, char **argv)
{
    fau_cli_error("usage: faceau models check [--models DIR]");
    return FAU_EXIT_USAGE;
}
