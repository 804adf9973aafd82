import XCTest

// Tests for this module land with the module.
final class RecipeTestsPlaceholder: XCTestCase {}
