/// The Decoding module; see README.md and docs/ for what it holds.
public enum DecodingModule {}
