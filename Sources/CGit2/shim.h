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

/* ---- A TCP stream for libgit2 that does not wait on delayed ACKs ----------------------------
 *
 * git daemon, upload-pack and receive-pack answer in many small writes (a pkt-line per ACK, a
 * sideband packet per progress line), and libgit2 writes a pack in many small sends. With Nagle's
 * algorithm on one end and delayed ACKs on the other, each such exchange can stall for the 40 ms
 * of a delayed ACK: a fetch over git:// took ~55 ms instead of ~9 ms once negotiation needed a
 * second round. This stream is libgit2's own socket stream plus TCP_NODELAY (our small writes go
 * out at once) and TCP_QUICKACK re-armed after every read (the peer's small writes are ACKed at
 * once). Registered as the standard stream, it also carries libgit2's TLS and SSH sessions.
 *
 * The layout mirrors libgit2's internal git_socket_stream (parent, host, port, socket): libgit2's
 * SSH transport reads the socket through that layout.
 */
#include <git2/sys/stream.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    git_stream parent;
    char *host;
    char *port;
    int s;
} aeolus_git_socket_stream;

static inline void aeolus_git_socket_quickack(int fd) {
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

static inline int aeolus_git_socket_connect(git_stream *stream) {
    aeolus_git_socket_stream *st = (aeolus_git_socket_stream *)stream;
    struct addrinfo hints, *info = NULL, *p;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(st->host, st->port, &hints, &info);
    if (rc != 0) {
        git_error_set(GIT_ERROR_NET, "failed to resolve address for %s: %s", st->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (p = info; p != NULL; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd < 0) { saved = errno; continue; }
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0) break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(info);
    if (fd < 0) {
        git_error_set(GIT_ERROR_NET, "failed to connect to %s port %s: %s", st->host, st->port, strerror(saved));
        return -1;
    }
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    st->s = fd;
    return 0;
}

static inline ssize_t aeolus_git_socket_read(git_stream *stream, void *data, size_t len) {
    aeolus_git_socket_stream *st = (aeolus_git_socket_stream *)stream;
    ssize_t n;
    do { n = recv(st->s, data, len, 0); } while (n < 0 && errno == EINTR);
    if (n < 0) {
        git_error_set(GIT_ERROR_NET, "could not read from %s: %s", st->host, strerror(errno));
        return -1;
    }
    aeolus_git_socket_quickack(st->s);
    return n;
}

static inline ssize_t aeolus_git_socket_write(git_stream *stream, const char *data, size_t len, int flags) {
    aeolus_git_socket_stream *st = (aeolus_git_socket_stream *)stream;
    (void)flags;
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(st->s, data + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            git_error_set(GIT_ERROR_NET, "could not write to %s: %s", st->host, strerror(errno));
            return -1;
        }
        sent += (size_t)n;
    }
    return (ssize_t)sent;
}

static inline int aeolus_git_socket_close(git_stream *stream) {
    aeolus_git_socket_stream *st = (aeolus_git_socket_stream *)stream;
    if (st->s >= 0) {
        close(st->s);
        st->s = -1;
    }
    return 0;
}

static inline void aeolus_git_socket_free(git_stream *stream) {
    aeolus_git_socket_stream *st = (aeolus_git_socket_stream *)stream;
    free(st->host);
    free(st->port);
    free(st);
}

static inline int aeolus_git_socket_stream_new(git_stream **out, const char *host, const char *port) {
    aeolus_git_socket_stream *st = (aeolus_git_socket_stream *)calloc(1, sizeof *st);
    if (st == NULL) return -1;
    st->host = strdup(host);
    st->port = strdup(port);
    if (st->host == NULL || st->port == NULL) {
        aeolus_git_socket_free(&st->parent);
        return -1;
    }
    st->s = -1;
    st->parent.version = GIT_STREAM_VERSION;
    st->parent.connect = aeolus_git_socket_connect;
    st->parent.read = aeolus_git_socket_read;
    st->parent.write = aeolus_git_socket_write;
    st->parent.close = aeolus_git_socket_close;
    st->parent.free = aeolus_git_socket_free;
    *out = &st->parent;
    return 0;
}

/// Makes libgit2 open its TCP connections through the stream above.
static inline int aeolus_git_register_socket_stream(void) {
    static git_stream_registration registration;
    registration.version = GIT_STREAM_VERSION;
    registration.init = aeolus_git_socket_stream_new;
    registration.wrap = NULL;
    return git_stream_register(GIT_STREAM_STANDARD, &registration);
}

#endif
