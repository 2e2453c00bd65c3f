import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

func printJSON(_ value: JSONValue) { print(JSONWriter.string(value)) }

func str(_ value: JSONValue?) -> String {
    if case .string(let s)? = value { return s }
    return value.map(JSONWriter.string) ?? ""
}
