"""Pure rendering helpers (graph drawings, heatmaps, histograms): data in, Rich Text out."""
