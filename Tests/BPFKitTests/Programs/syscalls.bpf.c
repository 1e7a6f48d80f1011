/* Counts getpid() calls of one thread, through a tracepoint and through tp_btf. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 target_tid = 0;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} getpid_calls SEC(".maps");

static __always_inline void count(__u32 slot) {
    if ((__u32)bpf_get_current_pid_tgid() != target_tid) return;
    __u64 *value = bpf_map_lookup_elem(&getpid_calls, &slot);
    if (value) __sync_fetch_and_add(value, 1);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx) {
    count(0);
    return 0;
}

/* raw_syscalls:sys_enter(struct pt_regs *regs, long id): ctx[1] is the syscall number. */
SEC("tp_btf/sys_enter")
int btf_sys_enter(unsigned long long *ctx) {
    if (ctx[1] == 39 /* __NR_getpid on x86_64 */) count(1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
