/// The Cells module; see README.md and docs/ for what it holds.
public enum CellsModule {}
