/// JSONValue was the Runner's own until the JSON module took it over; re-exported so modules
/// that reach it through `import Runner` keep compiling.
@_exported import JSON
