/// The Runner module; see README.md and docs/ for what it holds.
public enum RunnerModule {}
