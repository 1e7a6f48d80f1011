import AeolusModel
import AeolusTesting
import Compiler
import Foundation
import Testing

@Suite struct RepositoryCompilerTests {
    @Test func exampleRepositoryCompilesAndVerifies() async throws {
        let build = await RepositoryCompiler(compiler: try Fixtures.compiler()).build(snapshot: try Fixtures.example())
        #expect(build.diagnostics.errors.isEmpty, "\(build.diagnostics)")
        #expect(build.templates.count == 8)
        #expect(build.failedTemplates.isEmpty)
        for (name, compiled) in build.templates {
            #expect(compiled.object.digest.hasPrefix("sha256:"), "\(name)")
            #expect(compiled.object.digest.count == 71, "\(name)")
        }
    }

    @Test func sameContentGivesSameObjectFromTheCache() async throws {
        let directory = try TemporaryDirectory()
        let cache = try ObjectCache(directory: directory.path)
        let compiler = BPFCompiler(clang: try Compiler.Clang.locate(), cache: cache)
        let snapshot = Fixtures.repository(template: Fixtures.counterSpec, source: Fixtures.counter())
        let first = await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot).templates["t"]
        let second = await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot).templates["t"]
        #expect(first?.object.fromCache == false)
        #expect(second?.object.fromCache == true)
        #expect(first?.object.digest == second?.object.digest)
        // A fresh cache over the same folder (a restarted dictator) hits the disk.
        let restarted = BPFCompiler(clang: try Compiler.Clang.locate(), cache: try ObjectCache(directory: directory.path))
        #expect(await RepositoryCompiler(compiler: restarted).build(snapshot: snapshot).templates["t"]?.object.fromCache == true)
        // Equal inputs compiled twice (no cache) give equal bytes: the build folder is mapped away.
        let again = try Fixtures.compiler()
        let third = await RepositoryCompiler(compiler: again).build(snapshot: snapshot).templates["t"]
        #expect(third?.object.fromCache == false)
        #expect(third?.object.digest == first?.object.digest)
    }

    @Test func parametersDoNotChangeTheObject() async throws {
        var snapshot = Fixtures.repository(template: Fixtures.counterSpec, source: Fixtures.counter())
        let policy = { (port: Int) in Data("""
            apiVersion: aeolus.io/v1alpha1
            kind: ProbePolicy
            metadata: {name: p}
            spec: {template: t, parameters: {port: \(port)}}
            """.utf8) }
        snapshot["policies/p.yaml"] = policy(80)
        let compiler = try Fixtures.compiler()
        let a = await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot)
        snapshot["policies/p.yaml"] = policy(443)
        let b = await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot)
        #expect(a.templates["t"]?.object.digest == b.templates["t"]?.object.digest)
        #expect(b.templates["t"]?.object.fromCache == true)
    }

    @Test func compileErrorsNameFileAndLineAndSpareTheOthers() async throws {
        var snapshot = try Fixtures.example()
        let path = "templates/dns/probe.bpf.c"
        var source = String(decoding: snapshot[path]!, as: UTF8.self)
        source = source.replacingOccurrences(of: "return TC_ACT_UNSPEC;\n}\n\nSEC(\"tc\")\nint dns_ingress",
                                             with: "return TC_ACT_UNSPEC\n}\n\nSEC(\"tc\")\nint dns_ingress")
        snapshot[path] = Data(source.utf8)
        let build = await RepositoryCompiler(compiler: try Fixtures.compiler()).build(snapshot: snapshot)
        #expect(build.failedTemplates == ["dns"])
        #expect(build.templates.count == 7)
        let error = try #require(build.diagnostics.errors.first { $0.file == path })
        #expect(error.line > 0)
        #expect(error.message.contains("expected ';'"))
        // The policy that needs dns is skipped with a reason, the others stay.
        #expect(!build.repository.policies.contains { $0.spec.template == "dns" })
        #expect(build.repository.policies.contains { $0.spec.template == "pod-traffic" })
    }

    @Test func includeFoldersArePartOfTheKey() async throws {
        let snapshot = try Fixtures.example()
        let compiler = try Fixtures.compiler()
        let before = await RepositoryCompiler(compiler: compiler).build(snapshot: snapshot).templates["tcp-retransmits"]!.object
        var changed = snapshot
        changed["include/aeolus.h"] = snapshot["include/aeolus.h"]! + Data("\n/* a comment */\n".utf8)
        let after = await RepositoryCompiler(compiler: compiler).build(snapshot: changed).templates["tcp-retransmits"]!.object
        #expect(before.key != after.key)
        #expect(after.fromCache == false)
    }
}
