/// The Kernels module: BLAS, norms, RoPE, attention, softmax, SwiGLU and int4 matrices.
public enum KernelsModule {}
