// Landlock (the kernel's unprivileged file-access sandbox) for SandboxKit: typed wrappers of the
// three syscalls (`syscall()` is variadic, so Swift does not import it) and the access rights of
// every ABI the code knows, also where the installed uapi header is older than the kernel.
#ifndef AEOLUS_CLANDLOCK_SHIM_H
#define AEOLUS_CLANDLOCK_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/landlock.h>

#ifndef O_PATH /* glibc declares it only with _GNU_SOURCE */
#define O_PATH 010000000
#endif

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

// ---- Access rights by ABI (uapi values; Debian 12's header stops at ABI 2). ----
#define AEOLUS_LL_FS_EXECUTE       (1ULL << 0)
#define AEOLUS_LL_FS_WRITE_FILE    (1ULL << 1)
#define AEOLUS_LL_FS_READ_FILE     (1ULL << 2)
#define AEOLUS_LL_FS_READ_DIR      (1ULL << 3)
#define AEOLUS_LL_FS_REMOVE_DIR    (1ULL << 4)
#define AEOLUS_LL_FS_REMOVE_FILE   (1ULL << 5)
#define AEOLUS_LL_FS_MAKE_CHAR     (1ULL << 6)
#define AEOLUS_LL_FS_MAKE_DIR      (1ULL << 7)
#define AEOLUS_LL_FS_MAKE_REG      (1ULL << 8)
#define AEOLUS_LL_FS_MAKE_SOCK     (1ULL << 9)
#define AEOLUS_LL_FS_MAKE_FIFO     (1ULL << 10)
#define AEOLUS_LL_FS_MAKE_BLOCK    (1ULL << 11)
#define AEOLUS_LL_FS_MAKE_SYM      (1ULL << 12)
#define AEOLUS_LL_FS_REFER         (1ULL << 13) /* ABI 2 */
#define AEOLUS_LL_FS_TRUNCATE      (1ULL << 14) /* ABI 3 */
#define AEOLUS_LL_FS_IOCTL_DEV     (1ULL << 15) /* ABI 5 */
#define AEOLUS_LL_NET_BIND_TCP     (1ULL << 0)  /* ABI 4 */
#define AEOLUS_LL_NET_CONNECT_TCP  (1ULL << 1)  /* ABI 4 */
#define AEOLUS_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define AEOLUS_LL_SCOPE_SIGNAL     (1ULL << 1)  /* ABI 6 */

/* The ruleset attribute as of ABI 6; older kernels accept it when the fields they do not know
   are zero (copy_struct_from_user). */
struct aeolus_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

/// The highest Landlock ABI the running kernel offers, or -1 with errno (ENOSYS: not built in,
/// EOPNOTSUPP: built in but not enabled at boot).
static inline int aeolus_landlock_abi_version(void) {
    return (int)syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

/// A new ruleset handling the given rights; -1 with errno on failure. The fd is close-on-exec.
static inline int aeolus_landlock_create_ruleset(uint64_t fs, uint64_t net, uint64_t scoped) {
    struct aeolus_landlock_ruleset_attr attr = { fs, net, scoped };
    /* Pass only as much of the struct as the fields in use need, so an ABI 1-3 kernel that knows
       only handled_access_fs is never sent a larger struct. */
    size_t size = scoped ? sizeof(attr) : net ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    return (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
}

/// Allows `access` beneath the file or folder `parent_fd` (opened O_PATH); -1 with errno.
static inline int aeolus_landlock_allow_path(int ruleset_fd, int parent_fd, uint64_t access) {
    struct landlock_path_beneath_attr attr = { .allowed_access = access, .parent_fd = parent_fd };
    return (int)syscall(__NR_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
}

/// Sets no_new_privs (required for an unprivileged restrict_self) and enforces the ruleset on
/// the calling thread and everything it executes; -1 with errno.
static inline int aeolus_landlock_no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static inline int aeolus_landlock_restrict_self(int ruleset_fd) {
    return (int)syscall(__NR_landlock_restrict_self, ruleset_fd, 0);
}

static inline int aeolus_landlock_open_path(const char *path) {
    return open(path, O_PATH | O_CLOEXEC);
}

#endif
