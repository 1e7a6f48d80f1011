import AeolusModel
import AeolusTesting
import BPFKit
import Compiler
import Foundation
import Testing

@Suite struct KernelVerifierTests {
    @Test func everyExampleTemplateLoadsWithEveryParameterSet() async throws {
        try KernelTest.requireRoot()
        try BPFFileSystem.ensureMounted()
        try TraceFS.ensureMounted()
        let build = await RepositoryCompiler(compiler: try Fixtures.compiler()).build(snapshot: try Fixtures.example())
        let verifier = KernelVerifier()
        for (name, compiled) in build.templates {
            let sets = verifier.parameterSets(for: compiled.template, in: build.repository)
            #expect(!sets.isEmpty, "\(name)")
            #expect(verifier.verify(compiled, parameterSets: sets).isEmpty, "\(name)")
        }
    }

    /// An object the static checks accept but the kernel refuses: the verifier's log comes back.
    @Test func kernelRejectionCarriesTheVerifierLog() async throws {
        try KernelTest.requireRoot()
        let body = "__u8 *p = (void *)(long)skb->data; if (p[20] == 1) return 1;"
        let snapshot = Fixtures.repository(template: Fixtures.counterSpec, source: Fixtures.counter(body: body))
        let build = await RepositoryCompiler(compiler: try Fixtures.compiler()).build(snapshot: snapshot)
        let compiled = try #require(build.templates["t"], "\(build.diagnostics)")
        let verifier = KernelVerifier()
        let problems = verifier.verify(compiled, parameterSets: verifier.parameterSets(for: compiled.template, in: build.repository))
        let problem = try #require(problems.first)
        #expect(problem.message.contains("the kernel verifier rejects program \"count\""))
        #expect(problem.message.contains("invalid access to packet"))
    }
}
