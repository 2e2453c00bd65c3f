// A child for the crash-safety test: writes to a replica in a loop and prints
// one line per committed transaction, flushed, until it is killed.
//
//     setu-crash-writer REPLICA START
//
// Each round puts service `w<N>` and adds 1 to the stock of product `p`;
// the line `committed N` is written only after both transactions commit.
import Foundation
import SetuCore
import SetuStore

let arguments = CommandLine.arguments
guard arguments.count == 3, let start = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: setu-crash-writer REPLICA START\n".utf8))
    exit(2)
}
do {
    let replica = try Replica(path: arguments[1], node: "crash-writer")
    if try replica.record("products", id: "p")?.values == nil {
        try replica.put("products", id: "p", ["office": .text("district:khulna"), "entrepreneur": .text("রহিমা"),
                                              "title": .text("কাঁথা"), "price_paisa": .int(100), "stock": .int(0)])
    }
    var n = start
    while true {
        try replica.put("services", id: "w\(n)", ["office": .text("upazila:rupsha"), "section": .text("internal"),
                                                  "serial": .int(Int64(n % 9_999 + 1)), "name": .text("সেবা \(n)")])
        try replica.adjust("products", id: "p", field: "stock", by: 1)
        FileHandle.standardOutput.write(Data("committed \(n)\n".utf8))
        n += 1
    }
} catch {
    FileHandle.standardError.write(Data("setu-crash-writer: \(error)\n".utf8))
    exit(1)
}
