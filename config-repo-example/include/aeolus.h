/* Shared helpers for Aeolus templates. Kept tiny: every template's object is content-addressed,
 * and this header is part of its hash. */
#ifndef AEOLUS_H
#define AEOLUS_H

#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

/* Adds `delta` to the u64 counter at `key`, creating it at zero first. Works for per-CPU and
 * shared hash maps alike (per-CPU values need no atomics; shared ones use an atomic add). */
static __always_inline void aeolus_add(void *map, const void *key, __u64 delta)
{
    __u64 zero = 0, *value = bpf_map_lookup_elem(map, key);
    if (!value) {
        bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
        value = bpf_map_lookup_elem(map, key);
        if (!value)
            return;
    }
    __sync_fetch_and_add(value, delta);
}

/* floor(log2(v)) for v > 0; 0 for 0. The exp2 histogram bucket of a value. */
static __always_inline __u32 aeolus_log2(__u64 v)
{
    __u32 r = 0;
    #pragma unroll
    for (int shift = 32; shift > 0; shift >>= 1) {
        if (v >= (1ULL << shift)) {
            v >>= shift;
            r += shift;
        }
    }
    return r;
}

#endif
