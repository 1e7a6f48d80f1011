// libgit2 for Swift. Only GitKit imports this module.
//
// Swift cannot import variadic C functions (git_libgit2_opts) nor function-like macros
// (GIT_*_OPTIONS_INIT): the typed wrappers below stand in for the few GitKit needs.
#ifndef AEOLUS_CGIT2_SHIM_H
#define AEOLUS_CGIT2_SHIM_H
#include <git2.h>

/// git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled): whether libgit2 refuses to open
/// repositories owned by another user (safe.directory).
static inline int aeolus_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

/// git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path): CA bundle file and/or
/// directory used to verify https servers (NULL keeps the built-in default).
static inline int aeolus_git_set_ssl_cert_locations(const char *file, const char *path) {
    return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path);
}

/// git_libgit2_opts(GIT_OPT_SET_USER_AGENT, agent): the user agent sent over http(s).
static inline int aeolus_git_set_user_agent(const char *agent) {
    return git_libgit2_opts(GIT_OPT_SET_USER_AGENT, agent);
}

#endif
