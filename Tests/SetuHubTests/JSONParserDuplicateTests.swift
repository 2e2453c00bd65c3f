import PropertyBased
import SetuProtocol
import Testing

/// A member named twice is refused in an object of any size: small
/// objects compare names one by one, large ones hash them
/// (`JSONParser.linearNames`), and both must find the same duplicates.
@Suite struct JSONParserDuplicateTests {
    static func object(_ names: [String]) -> [UInt8] {
        Array(("{" + names.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}").utf8)
    }

    @Test func anyObjectWithANameTwiceIsRefusedAndAnyOtherReadsInOrder() async {
        await propertyCheck(count: 300, input: Gen.uint64().array(of: 1...40)) { (draws: [UInt64]) throws in
            let names = draws.indices.map { "ক\($0)" }
            let parsed = try JSONParser.parse(Self.object(names))
            #expect(parsed == .object(names.enumerated().map { ($1, .int(Int64($0))) }))
            // The same name again, at any later place.
            let copied = Int(draws[0] % UInt64(names.count))
            let at = copied + 1 + Int(draws.last! % UInt64(names.count - copied))
            var doubled = names
            doubled.insert(names[copied], at: at)
            #expect { try JSONParser.parse(Self.object(doubled)) } throws: { error in
                "\(error)".contains("duplicate member \"\(names[copied])\"")
            }
        }
    }
}
