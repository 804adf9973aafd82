/// One JSON reader and writer for the whole package: strict parsing with positions and caps,
/// ordered objects, compact, pretty and canonical output.
public enum JSONModule {}
