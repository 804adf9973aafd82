import XCTest

// Tests for this module land with the module.
final class StoreTestsPlaceholder: XCTestCase {}
