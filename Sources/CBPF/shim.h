// libbpf for Swift. Only BPFKit imports this module.
//
// What lives here: what Swift cannot import or cannot build safely. Every libbpf `*_opts`
// struct is built here with LIBBPF_OPTS, so `sz` is right and tail padding is zero (Swift
// copies imported structs field by field and leaves garbage in the padding).
#ifndef AEOLUS_CBPF_SHIM_H
#define AEOLUS_CBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

// ---- Namespaces: not exported by Swift's Glibc module. ----
extern int setns(int fd, int nstype);
#define AEOLUS_CLONE_NEWNET 0x40000000

static inline int aeolus_setns_net(int fd) { return setns(fd, AEOLUS_CLONE_NEWNET); }

// ---- libbpf messages: captured per thread so an error can carry libbpf's own words. ----
// The buffer lives in a function-local static: Swift does not emit a header's file-scope
// statics. Every Swift file gets its own copy of these inline functions, so only one Swift
// file (BPFKit's LibBPF.swift) may call them.
#define AEOLUS_MESSAGES_SIZE 8192
struct aeolus_messages { size_t len; char text[AEOLUS_MESSAGES_SIZE]; };

static inline struct aeolus_messages *aeolus_messages(void) {
    static __thread struct aeolus_messages messages;
    return &messages;
}

static inline int aeolus_print(enum libbpf_print_level level, const char *format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    struct aeolus_messages *m = aeolus_messages();
    char line[1024];
    int n = vsnprintf(line, sizeof line, format, args);
    if (n <= 0) return 0;
    size_t len = strlen(line);
    if (m->len + len >= AEOLUS_MESSAGES_SIZE) {
        // Keep the newest messages: drop the oldest half (or all, for a huge line).
        size_t keep = m->len / 2;
        memmove(m->text, m->text + m->len - keep, keep);
        m->len = keep;
        if (m->len + len >= AEOLUS_MESSAGES_SIZE) m->len = 0;
    }
    memcpy(m->text + m->len, line, len);
    m->len += len;
    m->text[m->len] = 0;
    return 0;
}

/// Routes libbpf's warnings and info into a per-thread buffer instead of stderr.
static inline void aeolus_install_print(void) { libbpf_set_print(aeolus_print); }

/// Clears this thread's captured libbpf messages.
static inline void aeolus_messages_clear(void) { aeolus_messages()->len = 0; aeolus_messages()->text[0] = 0; }

/// This thread's captured libbpf messages since the last clear (valid until the next libbpf call).
static inline const char *aeolus_messages_get(void) { return aeolus_messages()->text; }

// ---- Opening objects. ----
static inline struct bpf_object *aeolus_open_mem(const void *buf, size_t size, const char *name) {
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
    struct bpf_object *obj = bpf_object__open_mem(buf, size, &opts);
    if (libbpf_get_error(obj)) return NULL;
    return obj;
}

// ---- BTF: describe a `.rodata` variable's type. ----
/// BTF kinds as reported by aeolus_btf_resolve (the kernel's BTF_KIND_* numbers).
static inline int aeolus_btf_resolve(const struct btf *btf, __u32 type_id,
                                     int *bits, int *is_signed) {
    const struct btf_type *t = btf__type_by_id(btf, type_id);
    while (t && (btf_is_mod(t) || btf_is_typedef(t) || btf_is_var(t))) t = btf__type_by_id(btf, t->type);
    *bits = 0; *is_signed = 0;
    if (!t) return -1;
    if (btf_is_int(t)) {
        *bits = btf_int_bits(t);
        *is_signed = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
    } else if (btf_is_enum(t)) {
        *bits = t->size * 8;
    }
    return btf_kind(t);
}

/// Number of variables in a DATASEC and the n-th one's type id, offset and size.
static inline int aeolus_btf_datasec_len(const struct btf *btf, __u32 id) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    return t ? btf_vlen(t) : 0;
}
static inline const char *aeolus_btf_datasec_var(const struct btf *btf, __u32 id, int i,
                                                 __u32 *type_id, __u32 *offset, __u32 *size) {
    const struct btf_type *t = btf__type_by_id(btf, id);
    const struct btf_var_secinfo *vs = btf_var_secinfos(t) + i;
    *type_id = vs->type; *offset = vs->offset; *size = vs->size;
    const struct btf_type *var = btf__type_by_id(btf, vs->type);
    return btf__name_by_offset(btf, var->name_off);
}

// ---- Info from fds (C zeroes the struct, padding included). ----
static inline int aeolus_map_info(int fd, struct bpf_map_info *out) {
    memset(out, 0, sizeof *out);
    __u32 len = sizeof *out;
    return bpf_obj_get_info_by_fd(fd, out, &len) ? -errno : 0;
}
static inline int aeolus_prog_info(int fd, struct bpf_prog_info *out) {
    memset(out, 0, sizeof *out);
    __u32 len = sizeof *out;
    return bpf_obj_get_info_by_fd(fd, out, &len) ? -errno : 0;
}

// ---- BPF_PROG_TEST_RUN. ----
static inline int aeolus_test_run(int prog_fd, const void *data, __u32 size, int repeat,
                                  __u32 *retval, __u32 *duration) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = size, .repeat = repeat);
    int err = bpf_prog_test_run_opts(prog_fd, &opts);
    if (err) return -errno;
    *retval = opts.retval;
    *duration = opts.duration;
    return 0;
}

// ---- tc (clsact + cls_bpf). Call with the thread inside the interface's namespace. ----
static inline int aeolus_tc_hook_create(int ifindex, int ingress) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    int err = bpf_tc_hook_create(&hook);
    return err == -EEXIST ? 0 : err;
}
static inline int aeolus_tc_attach(int ifindex, int ingress, int prog_fd, __u32 handle, __u32 priority,
                                   __u32 *out_handle, __u32 *out_priority, __u32 *out_prog_id) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = handle, .priority = priority);
    int err = bpf_tc_attach(&hook, &opts);
    if (err) return err;
    *out_handle = opts.handle; *out_priority = opts.priority; *out_prog_id = opts.prog_id;
    return 0;
}
static inline int aeolus_tc_detach(int ifindex, int ingress, __u32 handle, __u32 priority) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
    return bpf_tc_detach(&hook, &opts);
}
static inline int aeolus_tc_query(int ifindex, int ingress, __u32 handle, __u32 priority, __u32 *prog_id) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
    int err = bpf_tc_query(&hook, &opts);
    if (err) return err;
    *prog_id = opts.prog_id;
    return 0;
}

// ---- Tracepoint as a BPF perf link owned by one fd. ----
// libbpf's own tracepoint link disables the perf event when its handle is destroyed, even
// when the link is pinned; this link fd holds the perf event itself, so a pin keeps it running.
static inline int aeolus_tracepoint_link(int prog_fd, __u64 tracepoint_id) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.size = sizeof attr;
    attr.config = tracepoint_id;
    int pfd = (int)syscall(__NR_perf_event_open, &attr, -1 /* any pid */, 0 /* cpu */, -1, PERF_FLAG_FD_CLOEXEC);
    if (pfd < 0) return -errno;
    int fd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, NULL);
    int err = errno;
    close(pfd);
    return fd < 0 ? -err : fd;
}

// ---- libbpf pointers that encode errors. ----
static inline long aeolus_ptr_err(const void *ptr) { return libbpf_get_error(ptr); }

#endif
