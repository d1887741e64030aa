"""The check toolkit: what a check can assert about values returned by student code.

- :mod:`.compare`: staged validation (type, dtype, shape, finiteness) and closeness with
  ``assert_close``-style messages.
- :mod:`.gradients`: directional finite differences, the adjoint test, backward contracts.
- :mod:`.properties`: hypothesis strategies and a seeded runner that reports the shrunk example.
- :mod:`.symbolic`: answer keys derived with sympy and evaluated in high precision.
"""
