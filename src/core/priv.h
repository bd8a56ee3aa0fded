/*
 * priv.h - least privilege: leave root once the privileged sockets are open.
 *
 * `blackout watch --user NAME` opens what needs root first (raw ICMP sockets,
 * the BGP port, the API port, the store), then calls priv_drop():
 *
 *   root (uid 0, full caps)
 *     --priv_drop: bounding set cut to CAP_NET_RAW (or nothing),
 *                  no_new_privs, setgroups([gid]), setresgid, setresuid-->
 *   NAME (uid/gid of NAME, every id; caps: CAP_NET_RAW if keep_net_raw, else none)
 *
 * Invariants after a 0 return: real, effective and saved uid and gid are NAME's,
 * supplementary groups are only NAME's primary group, the effective/permitted
 * capability sets are {CAP_NET_RAW} or {} and the bounding set no larger, and
 * setuid(0) has been tried and refused (checked, not assumed). no_new_privs is
 * set, so an exec'd program (alert hook) cannot gain privilege from set-uid
 * bits or file capabilities.
 *
 * Threads: glibc applies set*id to every thread of the process; the kernel then
 * clears the capabilities of every thread but the caller (keep-caps is a
 * per-thread flag), and capset/bounding set/no_new_privs apply to the calling
 * thread, which the loop and every thread created later inherit from. So call
 * it from the loop thread, before uv_run.
 *
 * Blocking: reads the user database (getpwnam_r); call it at start-up only.
 */
#ifndef BLACKOUT_CORE_PRIV_H
#define BLACKOUT_CORE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"

/* Looks NAME up: *uid, *gid. ERR_NOTFOUND (no such user) or ERR_INVAL (NAME is
 * root: dropping to uid 0 would drop nothing), with a sentence in err. */
int priv_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen) MUSTCHECK;

/* Drops from root to NAME as described above. Returns 0, or ERR_PERM (not
 * running as root), ERR_NOTFOUND/ERR_INVAL (as priv_lookup) or ERR_SYS (a call
 * failed, or root could be regained: the caller must exit) with err. */
int priv_drop(const char *name, bool keep_net_raw, char *err, size_t errlen) MUSTCHECK;

/* Gives the files to NAME (chown uid:gid) when they exist and are not already
 * NAME's: the store's database, -wal and -shm, created as root before the drop.
 * paths is NULL-terminated; a missing file is skipped. 0 or ERR_SYS with err. */
int priv_chown(const char *name, const char *const *paths, char *err, size_t errlen) MUSTCHECK;

/* Makes sure NAME will be able to write in the directory of file (SQLite
 * creates and removes the -wal and -shm files there): a missing directory
 * (its parent must exist) is created, mode 0750, and given to NAME, since
 * blackout made it; an existing one is never changed, only tested, as NAME
 * (a child process that takes NAME's uid and gids runs access(W_OK|X_OK), so
 * ACLs and group bits count). Call as root, before anything is created.
 * 0, or ERR_PERM (the existing directory is not writable by NAME), ERR_IO
 * (cannot create it) or ERR_SYS, with a sentence in err naming the directory,
 * the user and what to do. */
int priv_prepare_dir(const char *name, const char *file, char *err, size_t errlen) MUSTCHECK;

#endif
