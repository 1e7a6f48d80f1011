import AeolusModel
import Compiler
import Foundation
import Testing

@Suite struct StaticVerifierTests {
    private func build(_ spec: String = Fixtures.counterSpec, source: String, settings: String? = nil) async throws -> RepositoryBuild {
        await RepositoryCompiler(compiler: try Fixtures.compiler())
            .build(snapshot: Fixtures.repository(template: spec, source: source, settings: settings))
    }

    private func messages(_ build: RepositoryBuild) -> [String] { build.diagnostics.errors.map(\.description) }

    @Test func cleanObjectPasses() async throws {
        let result = try await build(source: Fixtures.counter())
        #expect(result.diagnostics.errors.isEmpty, "\(result.diagnostics)")
        #expect(result.templates["t"] != nil)
    }

    /// A forbidden helper is found in any program of the object, not only the declared ones.
    @Test func forbiddenHelperInAnyProgramIsRejected() async throws {
        let sneaky = """
        SEC("tracepoint/syscalls/sys_enter_getpid") int sneaky(void *ctx) {
            char buf[4] = {}; bpf_probe_write_user((void *)0x1000, buf, sizeof(buf)); return 0;
        }
        """
        let result = try await build(source: Fixtures.counter(extra: sneaky))
        #expect(result.templates["t"] == nil)
        #expect(messages(result).contains { $0.contains("\"sneaky\" calls bpf_probe_write_user (helper 36)") && $0.hasPrefix("templates/t/probe.bpf.c") })
    }

    @Test(arguments: ["bpf_override_return", "bpf_send_signal"])
    func dangerousHelpersAreRefusedByDefault(helper: String) async throws {
        let body = helper == "bpf_send_signal" ? "bpf_send_signal(9);" : "bpf_override_return((void *)0, 0);"
        let result = try await build(source: Fixtures.counter(body: body))
        #expect(messages(result).contains { $0.contains(helper) && $0.contains("does not permit") })
    }

    @Test func allowListCanPermitAndForbid() async throws {
        let printk = "bpf_printk(\"x\");"
        let refused = try await build(source: Fixtures.counter(body: printk))
        #expect(messages(refused).contains { $0.contains("bpf_trace_printk") })
        let settings = """
        apiVersion: aeolus.io/v1alpha1
        kind: RepoSettings
        spec: {helpers: {allow: [bpf_trace_printk], forbid: [map_lookup_elem]}}
        """
        let allowed = try await build(source: Fixtures.counter(body: printk), settings: settings)
        #expect(!messages(allowed).contains { $0.contains("bpf_trace_printk") })
        #expect(messages(allowed).contains { $0.contains("bpf_map_lookup_elem") })
    }

    @Test func gplOnlyHelpersNeedAGPLLicense() async throws {
        let body = "__u64 t = 0; bpf_probe_read_kernel(&t, sizeof(t), (void *)0);"
        let result = try await build(source: Fixtures.counter(license: "Proprietary", body: body))
        #expect(messages(result).contains { $0.contains("license \"Proprietary\" is not GPL-compatible") && $0.contains("bpf_probe_read_kernel") })
    }

    @Test func parameterLayoutIsChecked() async throws {
        let missing = Fixtures.counterSpec.replacingOccurrences(of: "{name: port, type: port, default: 0}",
                                                                  with: "{name: port, type: port, default: 0}, {name: daddr, type: ipv4, default: 0.0.0.0}")
        #expect(await messages(try build(missing, source: Fixtures.counter())).contains {
            $0.contains("parameter \"daddr\" has no `const volatile` variable") && $0.hasPrefix("templates/t/template.yaml:")
        })
        let wrongSize = Fixtures.counterSpec.replacingOccurrences(of: "type: port", with: "type: u32")
        #expect(await messages(try build(wrongSize, source: Fixtures.counter())).contains {
            $0.contains("is u32 (4 bytes), but its variable in the object has 2 bytes")
        })
    }

    @Test func metricMapsAndKeyLayoutAreChecked() async throws {
        let wrongMap = Fixtures.counterSpec.replacingOccurrences(of: "map: hits", with: "map: hit")
        #expect(await messages(try build(wrongMap, source: Fixtures.counter())).contains { $0.contains("map \"hit\" is not in the compiled object") })
        let wrongKey = Fixtures.counterSpec.replacingOccurrences(of: "size: 4", with: "size: 8")
        #expect(await messages(try build(wrongKey, source: Fixtures.counter())).contains { $0.contains("the labels add up to 8 bytes, but map \"hits\" has 4-byte keys") })
    }

    @Test func hooksMustMatchTheProgramAndBeAllowed() async throws {
        let xdp = Fixtures.counterSpec.replacingOccurrences(of: "hook: tc, direction: ingress", with: "hook: xdp")
        #expect(await messages(try build(xdp, source: Fixtures.counter())).contains { $0.contains("cannot attach to hook xdp") })
        let settings = """
        apiVersion: aeolus.io/v1alpha1
        kind: RepoSettings
        spec: {allowedHooks: [tracepoint]}
        """
        #expect(await messages(try build(source: Fixtures.counter(), settings: settings)).contains { $0.contains("hook tc-ingress is not allowed by aeolus.yaml") })
        let kprobe = Fixtures.counterSpec.replacingOccurrences(of: "hook: tc, direction: ingress", with: "hook: kprobe, target: tcp_sendmsg")
        #expect(try await build(kprobe, source: Fixtures.counter()).diagnostics.errors.contains { $0.message.contains("not supported on this kernel") })
    }

    @Test func limitsAreEnforced() async throws {
        let settings = """
        apiVersion: aeolus.io/v1alpha1
        kind: RepoSettings
        spec: {limits: {maxInstructions: 5}}
        """
        #expect(await messages(try build(source: Fixtures.counter(), settings: settings)).contains { $0.contains("more than the limit of 5") })
    }
}
