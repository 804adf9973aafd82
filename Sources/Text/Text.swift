/// The Text module; see README.md and docs/ for what it holds.
public enum TextModule {}
