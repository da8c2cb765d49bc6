/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_COMMANDS_H
#define CF_COMMANDS_H

#include "cli.h"

int cmd_load(const struct cf_parsed *p);
int cmd_unload(const struct cf_parsed *p);
int cmd_status(const struct cf_parsed *p);
int cmd_events(const struct cf_parsed *p);
int cmd_policy_check(const struct cf_parsed *p);
int cmd_policy_lint(const struct cf_parsed *p);
int cmd_policy_show(const struct cf_parsed *p);
int cmd_policy_apply(const struct cf_parsed *p);
int cmd_metrics(const struct cf_parsed *p);

#endif
