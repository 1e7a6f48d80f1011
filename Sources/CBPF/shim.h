// libbpf for Swift. Only BPFKit imports this module.
#ifndef AEOLUS_CBPF_SHIM_H
#define AEOLUS_CBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#endif
