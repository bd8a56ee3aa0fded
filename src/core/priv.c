/*
 * priv.c - dropping root (see priv.h). Raw prctl/capset calls: four system
 * calls do not justify a library, and each is checked afterwards.
 */
#include "core/priv.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int priv_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int e = getpwnam_r(name, &pw, buf, sizeof buf, &res);
	if (e || !res) {
		snprintf(err, errlen, "no user '%s'%s%s", name, e ? ": " : "", e ? strerror(e) : "");
		return ERR_NOTFOUND;
	}
	if (res->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is root: --user wants an unprivileged user", name);
		return ERR_INVAL;
	}
	*uid = res->pw_uid;
	*gid = res->pw_gid;
	return 0;
}

static int caps_set(uint32_t mask)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {{.effective = mask, .permitted = mask}};
	return (int)syscall(SYS_capset, &h, d);
}

static int caps_get(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

int priv_drop(const char *name, bool keep_net_raw, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int rc = priv_lookup(name, &uid, &gid, err, errlen);
	if (rc < 0)
		return rc;
	if (geteuid() != 0) {
		snprintf(err, errlen, "--user %s needs to start as root (running as uid %u)", name,
			 (unsigned)geteuid());
		return ERR_PERM;
	}
	const char *what = NULL;
	/* the bounding set first: dropping from it needs CAP_SETPCAP, which root has now */
	for (int cap = 0; cap < 64; cap++) {
		if (keep_net_raw && cap == CAP_NET_RAW)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			what = "prctl(PR_CAPBSET_DROP)";
			goto fail;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		what = "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
		goto fail;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		what = "prctl(PR_SET_NO_NEW_PRIVS)";
		goto fail;
	}
	if (keep_net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) {
		what = "prctl(PR_SET_KEEPCAPS)";
		goto fail;
	}
	if (setgroups(1, &gid)) {
		what = "setgroups";
		goto fail;
	}
	if (setresgid(gid, gid, gid)) {
		what = "setresgid";
		goto fail;
	}
	if (setresuid(uid, uid, uid)) {
		what = "setresuid";
		goto fail;
	}
	if (caps_set(keep_net_raw ? 1u << CAP_NET_RAW : 0)) {
		what = "capset";
		goto fail;
	}
	if (keep_net_raw && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)) {
		what = "prctl(PR_SET_KEEPCAPS, 0)";
		goto fail;
	}
	/* check, do not assume */
	uid_t r, e, s;
	gid_t gr, ge, gs;
	uint64_t eff, prm, allowed = keep_net_raw ? UINT64_C(1) << CAP_NET_RAW : 0;
	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs) || r != uid || e != uid || s != uid ||
	    gr != gid || ge != gid || gs != gid) {
		snprintf(err, errlen, "after the drop to %s the ids are not all %u:%u", name,
			 (unsigned)uid, (unsigned)gid);
		return ERR_SYS;
	}
	if (caps_get(&eff, &prm) || (eff & ~allowed) || (prm & ~allowed)) {
		snprintf(err, errlen, "after the drop to %s capabilities remain beyond CAP_NET_RAW", name);
		return ERR_SYS;
	}
	if (setuid(0) == 0 || setgid(0) == 0) {
		snprintf(err, errlen, "after the drop to %s root could be regained", name);
		return ERR_SYS;
	}
	return 0;
fail:
	snprintf(err, errlen, "dropping privileges to %s: %s failed: %s", name, what, strerror(errno));
	return ERR_SYS;
}

int priv_chown(const char *name, const char *const *paths, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int rc = priv_lookup(name, &uid, &gid, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; paths[i]; i++) {
		struct stat st;
		if (stat(paths[i], &st))
			continue; /* not there (yet): created by the user later */
		if (st.st_uid == uid && st.st_gid == gid)
			continue;
		if (chown(paths[i], uid, gid)) {
			snprintf(err, errlen, "cannot give %s to %s: %s", paths[i], name, strerror(errno));
			return ERR_SYS;
		}
	}
	return 0;
}

/* Whether uid:gid may create and remove files in dir: asked of the kernel by
 * a child that becomes that user (the parent keeps root). 1 yes, 0 no, -1 error. */
static int writable_as(const char *dir, uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(1, &gid) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
			_exit(2);
		_exit(access(dir, W_OK | X_OK) == 0 ? 0 : 1);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return -1;
	return WEXITSTATUS(status) == 0;
}

int priv_prepare_dir(const char *name, const char *file, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int rc = priv_lookup(name, &uid, &gid, err, errlen);
	if (rc < 0)
		return rc;
	size_t n = strlen(file);
	char *dir = malloc(n + 2);
	if (!dir) {
		snprintf(err, errlen, "out of memory");
		return ERR_SYS;
	}
	const char *slash = strrchr(file, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == file)
		strcpy(dir, "/");
	else {
		memcpy(dir, file, (size_t)(slash - file));
		dir[slash - file] = '\0';
	}
	struct stat st;
	if (stat(dir, &st) && errno == ENOENT) {
		if (mkdir(dir, 0750) || chown(dir, uid, gid)) {
			snprintf(err, errlen, "cannot create the database directory %s for %s: %s", dir, name,
				 strerror(errno));
			rc = ERR_IO;
		}
		goto done;
	}
	int w = writable_as(dir, uid, gid);
	if (w < 0) {
		snprintf(err, errlen, "cannot test whether %s may write in %s", name, dir);
		rc = ERR_SYS;
	} else if (w == 0) {
		snprintf(err, errlen,
			 "the database directory %s is not writable by %s (uid %u): SQLite creates "
			 "and removes the -wal and -shm files there; give it to %s (chown %s %s) or "
			 "put the database in a directory %s can write",
			 dir, name, (unsigned)uid, name, name, dir, name);
		rc = ERR_PERM;
	}
done:
	free(dir);
	return rc;
}
