"""Autodidact's training kernels: losses and advantage estimators written against `xp`, a small array namespace.

In the JVM they run on GraalPy over DJL NDArrays (autograd intact); the formulas are in each docstring and in
ALGORITHMS.md. Modules: xp (the arrays), losses (SFT, clipped policy gradient, DPO), advantages (GRPO, Dr. GRPO,
RLOO), certainty (self-certainty). `engine` is the engine's entry point, not for kernels.
"""
