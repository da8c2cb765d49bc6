/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_ENTRY_H
#define CF_ENTRY_H

#include "cli.h"

/* Run what the parsed words ask for (`help`: the table --help describes):
 * the exit code. */
int cf_entry_run(const char *prog, const struct cf_command *help, const struct cf_parsed *p,
		 const struct cf_globals *g);

#endif
