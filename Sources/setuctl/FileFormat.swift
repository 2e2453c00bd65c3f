import ArgumentParser
import Foundation
import SetuCore
import SetuImport
import SetuProtocol

enum FileFormat: String, ExpressibleByArgument, CaseIterable { case csv, json }
