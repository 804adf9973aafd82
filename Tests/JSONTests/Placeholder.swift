import XCTest

final class JSONPlaceholder: XCTestCase {}
