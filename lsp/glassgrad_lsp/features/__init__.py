"""The server's features, one module each; ``register(server)`` adds its handlers."""
