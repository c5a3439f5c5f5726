"""The terminal UI: explore a run's autograd graph, step a live run (`glassgrad tui`)."""
