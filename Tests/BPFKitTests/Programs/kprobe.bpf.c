/* A kprobe program: this kernel has no kprobes, so attaching must fail cleanly. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_nanosleep")
int kp_nanosleep(void *ctx) {
    return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
