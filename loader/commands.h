/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_COMMANDS_H
#define CF_COMMANDS_H

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_policy(int argc, char **argv);

#endif
