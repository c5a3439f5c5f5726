"""The implementations behind ``nn.functional``, one module per family (``nn.functional``
re-exports them flat)."""
