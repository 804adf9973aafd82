/// JSONValue, JSONParser, JSONWriter and JSONError were Text's own until the JSON module took
/// them over; re-exported so modules that reach them through `import Text` keep compiling.
@_exported import JSON
