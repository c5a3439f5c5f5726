"""The TUI's screens: the run list, one run, runs side by side, a tensor, help."""
