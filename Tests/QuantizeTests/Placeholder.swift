import XCTest

// Tests for this module land with the module.
final class QuantizeTestsPlaceholder: XCTestCase {}
