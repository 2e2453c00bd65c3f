import SetuProtocol
import Testing

/// A reader's path, put together only when asked, names where a value
/// sits however it was reached: a member, an item, a member of an item.
@Suite struct JSONReaderPathTests {
    static let body = try! JSONParser.parse(Array(#"{"records":[{"id":"a"},{"id":"b","fields":{"fee":[1,{"x":true}]}}]}"#.utf8))

    @Test func everyWayDownNamesItsPlace() throws {
        let root = JSONReader(Self.body)
        #expect(root.path == "")
        let second = try root.member("records").array()[1]
        #expect(second.path == "records[1]")
        let fee = try second.member("fields").members()[0].1
        #expect(fee.path == "records[1].fields.fee")
        #expect(try fee.array()[1].optionalMember("x")?.path == "records[1].fields.fee[1].x")
        #expect(try JSONReader(Self.body, "trailer").member("records").path == "trailer.records")
        #expect(throws: WireError.self) { try fee.array()[0].string() }
        do {
            _ = try fee.array()[0].string()
        } catch {
            #expect("\(error)".contains("records[1].fields.fee[0]"), "\(error)")
        }
    }
}
