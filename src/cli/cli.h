/* Sub-commands of the faceau tool. Each returns a process exit code
 * (FAU_EXIT_* in args.h) and prints errors as one line on stderr. */
#ifndef FAU_CLI_CLI_H
#define FAU_CLI_CLI_H

#include "cli/args.h"

int fau_cmd_extract(fau_cli_args *a, int images_mode);
int fau_cmd_info(int argc, char **argv);
int fau_cmd_models(int argc, char **argv);

/* "faceau: error: <msg>" on stderr, once, on one line. */
void fau_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit code for a library status. */
int fau_cli_exit_for(int status, int is_model_error);

#endif
