#ifndef AEOLUS_CPROCESSKIT_SHIM_H
#define AEOLUS_CPROCESSKIT_SHIM_H

/* glibc (2.34+) has these, but declares them only under _GNU_SOURCE, which Swift's Glibc module
 * is built without: declared here with glibc's own prototypes. ProcessKit is the only user. */
#include <spawn.h>

/* A pipe whose both ends are close-on-exec from the start (no window for a concurrent spawn). */
extern int pipe2(int __pipedes[2], int __flags);

/* posix_spawn file actions: change directory, and close every descriptor from `__from` on. */
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *__restrict __actions,
                                                const char *__restrict __path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *__actions, int __from);

#endif
