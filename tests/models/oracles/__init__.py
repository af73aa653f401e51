"""Readable per-draw reference implementations (test oracles) of the vectorised models.

Each module follows its model's published algorithm step by step, one draw at a time; the
tests in ``tests/models`` hold the registered kernels to agree with them, and the
benchmarks time the kernels against them. They are not part of the installed package.
"""
