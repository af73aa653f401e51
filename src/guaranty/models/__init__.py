"""Model kernels: pure functions of numpy arrays and a ``numpy.random.Generator``.

Nothing here reads files, prints, or touches global random state, and nothing imports from
``guaranty.scenario``, ``store``, ``report``, ``web`` or ``cli``. The leading axis of every
array is the draw axis. Models register under a short name; see :mod:`.registry`.
"""
