import AeolusModel
import Compiler
import Foundation

/// The example config repository and small variations of it.
enum Fixtures {
    /// The repository root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// config-repo-example as a snapshot.
    static func example() throws -> [String: Data] {
        try ConfigRepository.snapshot(directory: root + "/config-repo-example")
    }

    /// A compiler with a private in-memory cache.
    static func compiler() throws -> BPFCompiler {
        BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache())
    }

    /// A one-template repository: `template.yaml` body (after `spec:`) and C source.
    static func repository(template spec: String, source: String, settings: String? = nil) -> [String: Data] {
        var files: [String: Data] = [
            "templates/t/template.yaml": Data("""
            apiVersion: aeolus.io/v1alpha1
            kind: Template
            metadata: {name: t}
            spec:
            \(spec)
            """.utf8),
            "templates/t/probe.bpf.c": Data(source.utf8),
        ]
        if let settings { files["aeolus.yaml"] = Data(settings.utf8) }
        return files
    }

    /// A tc counter with a `port` parameter and a `hits` map, plus whatever `extra` adds.
    static func counter(license: String = "GPL", extra: String = "", body: String = "") -> String {
        """
        #include <linux/bpf.h>
        #include <linux/pkt_cls.h>
        #include <bpf/bpf_helpers.h>
        char LICENSE[] SEC("license") = "\(license)";
        const volatile __u16 port = 0;
        struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } hits SEC(".maps");
        \(extra)
        SEC("tc") int count(struct __sk_buff *skb) {
            __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&hits, &k);
            if (v && skb->len > port) __sync_fetch_and_add(v, 1);
            \(body)
            return TC_ACT_UNSPEC;
        }
        """
    }

    static let counterSpec = """
      programs: [{name: count, hook: tc, direction: ingress}]
      parameters: [{name: port, type: port, default: 0}]
      metrics:
        - {name: aeolus_hits_total, type: counter, map: hits, labels: [{name: slot, size: 4, decoders: [uint]}]}
    """
}
