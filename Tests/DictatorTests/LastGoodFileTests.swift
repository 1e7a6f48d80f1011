import AeolusModel
@testable import Dictator
import Foundation
import Testing

/// The last good objects survive a restart in `<workdir>/last-good.json`: objects as base64, and
/// files written with objects as arrays of bytes still read.
struct LastGoodFileTests {
    @Test func objectsRoundTripAsBase64() throws {
        let object = Sample.object("t", elf: "v2")
        let data = try JSONEncoder().encode(["t": object])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"elf\":\"\(Data(object.elf).base64EncodedString())\""))
        #expect(try JSONDecoder().decode([String: TemplateObject].self, from: data) == ["t": object])
    }

    @Test func objectsWrittenAsByteArraysStillRead() throws {
        let object = Sample.object("t")
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(object)) as! [String: Any]
        json["elf"] = object.elf.map(Int.init)
        let old = try JSONSerialization.data(withJSONObject: json)
        #expect(try JSONDecoder().decode(TemplateObject.self, from: old) == object)
    }
}
