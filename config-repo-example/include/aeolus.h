/* Shared helpers for Aeolus templates. Kept tiny: every template's object is content-addressed,
 * and this header is part of its hash. */
#ifndef AEOLUS_H
#define AEOLUS_H

#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

/* The u64 counter at `key`, created at zero when missing (NULL only when the map is full). */
static __always_inline __u64 *aeolus_counter(void *map, const void *key)
{
    __u64 zero = 0, *value = bpf_map_lookup_elem(map, key);
    if (value)
        return value;
    bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
    return bpf_map_lookup_elem(map, key);
}

/* Adds `delta` to the counter at `key` of a map shared by all CPUs (an atomic add). */
static __always_inline void aeolus_add(void *map, const void *key, __u64 delta)
{
    __u64 *value = aeolus_counter(map, key);
    if (value)
        __sync_fetch_and_add(value, delta);
}

/* Adds `delta` to the counter at `key` of a per-CPU map: each CPU owns its slot, so no atomic
 * (and no cache line bouncing) is needed. */
static __always_inline void aeolus_add_percpu(void *map, const void *key, __u64 delta)
{
    __u64 *value = aeolus_counter(map, key);
    if (value)
        *value += delta;
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
