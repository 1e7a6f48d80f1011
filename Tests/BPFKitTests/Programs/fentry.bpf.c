/* An fentry program: this kernel refuses fentry (lockdown), so it must fail cleanly. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("fentry/do_nanosleep")
int fe_nanosleep(unsigned long long *ctx) {
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
