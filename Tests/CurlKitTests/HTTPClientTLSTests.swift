import AeolusTesting
import CurlKit
import Foundation
import Testing

@Suite struct HTTPClientTLSTests {
    @Test func verifiesAgainstTheGivenCA() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await HTTPTestServer.start(tls: pki)
        let response = try await HTTPClient(tls: .caFile(pki.caCertificate)).send(HTTPRequest(url: server.url("/echo")))
        #expect(response.status == 200)
        #expect(try Echo(response).clientCN == nil)
    }

    @Test func verifiesAgainstACAInMemory() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await HTTPTestServer.start(tls: pki)
        let pem = Array(try Data(contentsOf: URL(fileURLWithPath: pki.caCertificate)))
        let response = try await HTTPClient(tls: TLSOptions(caCertificate: .data(pem))).send(HTTPRequest(url: server.url("/echo")))
        #expect(response.status == 200)
    }

    @Test func failsClearlyWithoutTheCA() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await HTTPTestServer.start(tls: pki)
        let error = await #expect(throws: CurlError.self) {
            try await HTTPClient().send(HTTPRequest(url: server.url("/echo")))
        }
        #expect(error?.kind == .tls)
        #expect(error?.description.localizedCaseInsensitiveContains("certificate") == true, "\(String(describing: error))")
    }

    @Test func insecureSkipsVerification() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await HTTPTestServer.start(tls: pki)
        let response = try await HTTPClient(tls: TLSOptions(insecureSkipVerify: true)).send(HTTPRequest(url: server.url("/echo")))
        #expect(response.status == 200)
    }

    @Test func clientCertificate() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await HTTPTestServer.start(tls: pki, requireClientCertificate: true)
        let mutual = TLSOptions(caCertificate: .file(pki.caCertificate),
                                clientCertificate: .file(pki.clientCertificate), clientKey: .file(pki.clientKey))
        let response = try await HTTPClient(tls: mutual).send(HTTPRequest(url: server.url("/echo")))
        #expect(try Echo(response).clientCN == "aeolus-test-client")

        await #expect(throws: CurlError.self) {
            try await HTTPClient(tls: .caFile(pki.caCertificate)).send(HTTPRequest(url: server.url("/echo")))
        }
    }

    @Test func missingCAFileIsATLSError() async throws {
        let pki = try await HTTPTestServerCertificates.make()
        let server = try await HTTPTestServer.start(tls: pki)
        let error = await #expect(throws: CurlError.self) {
            try await HTTPClient(tls: .caFile(pki.directory + "/absent.crt")).send(HTTPRequest(url: server.url("/echo")))
        }
        #expect(error?.kind == .tls)
    }
}
