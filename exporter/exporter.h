/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_EXPORTER_H
#define CF_EXPORTER_H

#include "cli.h"

/* Serve /metrics and print events until SIGINT or SIGTERM: an exit code. */
int cf_exporter_run(const struct cf_parsed *p);

#endif
